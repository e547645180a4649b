import { validateSync } from 'class-validator';
import { IsNotNothing } from './formats';

class History {
  @IsNotNothing()
  text?: string;
}

const accepted = (text: string) => validateSync(Object.assign(new History(), { text })).length === 0;

describe('IsNotNothing', () => {
  it('refuses the words, phrases and marks that say there is nothing, or that nothing is known', () => {
    for (const text of [
      'none', 'None.', 'N/A', 'no', 'unknown', 'No criminal record', 'none reported', 'ninguno', 'Sin antecedentes', 'nada', '-', '—', '?', '...',
      'no sé', 'No tiene antecedentes penales', "don't know", 'not that I know of', 'never arrested', 'nunca ha sido arrestado',
      'Ninguno que sepa', 'ninguno conocido', 'no criminal history known', 'unknown / desconocido', 'N/A - caller unsure',
      'Arrests: none; Convictions: none', 'Criminal history: none', 'criminal record: no', 'criminal history unknown',
      // Questions and labels with their answers.
      'Arrested? No', '¿Arrestado? No', 'Arrests none', 'Arrests (none)', 'Arrests unknown', 'Convictions unknown', 'Convictions (none)',
      'arrest record none', 'Convicted? No. Arrested? No.', 'arrests: N/A', 'Arrests: none\nConvictions: none', 'Arrests: None Convictions: None',
      'Criminal history:', 'Arrests - none', 'Prior arrests: none', 'Arrestos: ninguno', 'Detenciones: ninguna',
      'No arrests or convictions', 'No arrests and no convictions', 'Client denies', 'None at all', 'Not to my knowledge',
      'Nunca ha sido arrestado ni condenado',
      // Portuguese, French, Haitian Creole.
      'Nenhum', 'Não', 'Sem antecedentes', 'Aucun', 'Rien', 'Néant', 'Non', 'Okenn', 'Pa genyen',
    ]) {
      expect([text, accepted(text)]).toEqual([text, false]);
    }
  });

  it('takes a history, however it is written, and leaves spaces alone to be stored as nothing', () => {
    for (const text of [
      'No convictions; arrested 2019', 'DUI 2021', 'no license, 2018 (dismissed)', 'Nada grave: multa de tránsito 2020', 'Кража', '盗窃罪', '   ',
      'arrested', 'prior arrest, no conviction', 'was arrested, not convicted', 'no DUI conviction but a 2019 arrest', 'convicted of theft',
      'arrested (no conviction)', 'arrestado sin condena', 'arrested not convicted', 'arrested never convicted', 'detenido sin condena',
      'arrested conviction unknown', 'been arrested never convicted', 'DUI - no conviction', 'sin licencia',
      'no papers, arrested for driving without license', 'arrested but released, no charges', 'DUI: 2019',
      'Arrested: not convicted', 'Arrested: no conviction', 'arrested: never convicted', 'Charged: never convicted', 'Arrests: no convictions',
      'Detenido: sin condena', 'Arrestado: sin cargos', 'Arrested?', 'Preso em 2020', 'Arrêté en 2021, pas de condamnation',
    ]) {
      expect([text, accepted(text)]).toEqual([text, true]);
    }
  });
});
