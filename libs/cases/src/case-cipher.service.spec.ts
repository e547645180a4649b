import { randomBytes } from 'node:crypto';
import { KeyMaterial, parseIndexKey } from '@amparo/crypto';
import { CaseCipher } from './case-cipher.service';

describe('CaseCipher.blindIndexes', () => {
  const cipher = new CaseCipher({ indexKey: parseIndexKey(randomBytes(32).toString('base64')) } as KeyMaterial);
  const adverse = (values: Parameters<CaseCipher['blindIndexes']>[0]) =>
    cipher.blindIndexes(values).filter((e) => e.kind === 'adverse_party').map((e) => e.value);

  it('indexes the adverse parties of a list stored inside the list, as keys:reindex reads old records', () => {
    const flat = adverse({ adverseParties: [{ name: 'Opuesto Uno' }, { name: 'Opuesto Dos' }] });
    expect(flat).toHaveLength(2);
    expect(adverse({ adverseParties: [[{ name: 'Opuesto Uno' }], [[{ name: 'Opuesto Dos' }]]] })).toEqual(flat);
    expect(adverse({ adverseParties: [[], null, 'Opuesto Uno'] })).toEqual([]);
  });
});
