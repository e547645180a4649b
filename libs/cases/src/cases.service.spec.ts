import type { DataSource, EntityManager } from 'typeorm';
import { CryptoIntegrityError } from '@amparo/crypto';
import { DomainError } from '@amparo/common';
import { CasesService } from './cases.service';
import type { CaseCipher } from './case-cipher.service';

/** The full view's decryption when the case's data key is gone: a purge that committed in between, or tampering. */
describe('CasesService: ciphertexts without a data key', () => {
  const cipher = { loadKey: jest.fn().mockResolvedValue(null) } as unknown as CaseCipher;
  const unused = {} as never;
  const service = new CasesService({} as DataSource, cipher, unused, unused, unused, unused, unused, unused);
  const decrypt = (statusNow: string) =>
    (service as unknown as { decrypt: (m: EntityManager, row: object) => Promise<unknown> }).decrypt(
      { query: jest.fn().mockResolvedValue([{ status: statusNow }]) } as unknown as EntityManager,
      { id: 'case-1', status: 'closed', client_last_name: Buffer.from('ciphertext') },
    );

  it('a purge committed after the row was read: 409 CASE_PURGED, not an integrity alarm', async () => {
    const error = await decrypt('purged').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ status: 409, code: 'CASE_PURGED' });
  });

  it('the case is not purged: the ciphertexts have lost their key, an integrity error', async () => {
    await expect(decrypt('closed')).rejects.toBeInstanceOf(CryptoIntegrityError);
  });
});
