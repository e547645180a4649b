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
      // Every charge of a label answered, who says so, and the words people use.
      'Any arrests or convictions? No', 'Arrests and convictions: none', 'Arrests/Convictions: none', 'Arrests or convictions: N/A',
      'None, as far as I know', 'None, per caller', 'Ninguno, que sepa', 'Does not know', 'Caller does not know',
      'Client does not have a criminal record', 'Not applicable', 'Nope', 'Nothing to report', 'No previous arrests',
      'No criminal background', 'None known at this time', 'Client states no criminal history', 'No que yo sepa', 'Desconoce',
      'Nunca ha estado preso', 'No tiene historial delictivo', 'Limpio', 'Nada consta', 'Não sei', 'Não tem', 'Nunca foi preso',
      'Sem registro', 'Pas de casier judiciaire', "Pas d'antécédents", 'Pas arrêté', 'Je ne sais pas', 'Casier judiciaire vierge',
      'Rien à signaler', 'Pa konnen', 'Mwen pa konnen', 'Li pa janm arete', 'Li pa gen dosye', 'Arrests: 0', 'Convictions: 0; Arrests: 0',
      'N / A', 'ＮＯＮＥ',
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
      // A join to a charge that happened, past other words.
      'No convictions and prior arrests', 'Client denies convictions and has prior arrests', 'No conviction and has been arrested',
      'Never convicted and has been arrested', 'Nunca condenado y ha sido detenido', 'Sin condena y ha sido arrestado',
      'Niega condenas y tiene arrestos', 'Sin condenas y tiene cargos',
      // Another script beside a denial, and a label after a charge.
      'no Кража', 'No 盗窃罪', 'none — 盗窃罪',
    ]) {
      expect([text, accepted(text)]).toEqual([text, true]);
    }
  });

  it('reads a long text in time, and leaves one longer than a history may be to its length limit', () => {
    const started = Date.now();
    accepted(`${'arrested '.repeat(200)}${'no '.repeat(1000)}`.slice(0, 4999));
    expect(accepted('no, '.repeat(1249))).toBe(false);
    expect(accepted(`${'arrested '.repeat(50_000)}${'none '.repeat(50_000)}`)).toBe(true);
    expect(Date.now() - started).toBeLessThan(500);
  });
});
