import { validateSync } from 'class-validator';
import { IsNotNothing } from './formats';

class History {
  @IsNotNothing()
  text?: string;
}

const accepted = (text: string) => validateSync(Object.assign(new History(), { text })).length === 0;

describe('IsNotNothing', () => {
  it('refuses the words and marks that say there is nothing, in English and Spanish', () => {
    for (const text of ['none', 'None.', 'N/A', 'no', 'unknown', 'No criminal record', 'none reported', 'ninguno', 'Sin antecedentes', 'nada', '-', '—', '?', '...']) {
      expect([text, accepted(text)]).toEqual([text, false]);
    }
  });

  it('takes a history, however it begins, and leaves spaces alone to be stored as nothing', () => {
    for (const text of ['No convictions; arrested 2019', 'DUI 2021', 'no license, 2018 (dismissed)', 'Nada grave: multa de tránsito 2020', 'Кража', '盗窃罪', '   ']) {
      expect([text, accepted(text)]).toEqual([text, true]);
    }
  });
});
