import { validateSync } from 'class-validator';
import { IsNotNothing } from './formats';

class History {
  @IsNotNothing()
  text?: string;
}

const accepted = (text: string) => validateSync(Object.assign(new History(), { text })).length === 0;

describe('IsNotNothing', () => {
  it('refuses the words and marks that say there is nothing, in English and Spanish', () => {
    for (const text of [
      'none', 'None.', 'N/A', 'no', 'unknown', 'No criminal record', 'none reported', 'ninguno', 'Sin antecedentes', 'nada', '-', '—', '?', '...',
      'no sé', 'No tiene antecedentes penales', "don't know", 'not that I know of', 'never arrested', 'nunca ha sido arrestado',
      'Ninguno que sepa', 'ninguno conocido', 'no criminal history known', 'unknown / desconocido', 'N/A - caller unsure',
      'Arrests: none; Convictions: none', 'Criminal history: none', 'criminal record: no', 'criminal history unknown',
    ]) {
      expect([text, accepted(text)]).toEqual([text, false]);
    }
  });

  it('takes a history, however it begins, and leaves spaces alone to be stored as nothing', () => {
    for (const text of [
      'No convictions; arrested 2019', 'DUI 2021', 'no license, 2018 (dismissed)', 'Nada grave: multa de tránsito 2020', 'Кража', '盗窃罪', '   ',
      'arrested', 'prior arrest, no conviction', 'was arrested, not convicted', 'no DUI conviction but a 2019 arrest', 'convicted of theft',
      'arrested (no conviction)', 'arrestado sin condena', 'arrested not convicted', 'arrested never convicted', 'detenido sin condena',
      'arrested conviction unknown', 'been arrested never convicted', 'DUI - no conviction', 'sin licencia',
      'no papers, arrested for driving without license', 'arrested but released, no charges', 'Nada grave: multa de tránsito 2020', 'DUI: 2019',
    ]) {
      expect([text, accepted(text)]).toEqual([text, true]);
    }
  });
});
