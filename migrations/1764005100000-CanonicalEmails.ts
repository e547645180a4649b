import { Logger } from '@nestjs/common';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Addresses stored before sign-in compared them in one canonical form (no invisible characters, Unicode form C, lower
 * case) are rewritten in it, so that they sign in however they are typed. The form is written out here, as it was
 * when this migration was released (a migration does not change with the library). An address whose canonical form
 * another account already has is left as it is (two look-alike accounts: the operator decides), and still signs in
 * typed as it was stored; between look-alikes, an active account takes the canonical form first, then the oldest.
 */
const canonical = (email: string) => email.replace(/\p{Default_Ignorable_Code_Point}/gu, '').trim().normalize('NFC').toLowerCase().normalize('NFC');

export class CanonicalEmails1764005100000 implements MigrationInterface {
  name = 'CanonicalEmails1764005100000';

  async up(q: QueryRunner): Promise<void> {
    const users: { id: string; email: string }[] = await q.query(`SELECT id, email FROM users ORDER BY active DESC, created_at, id`);
    const taken = new Set(users.map((u) => u.email));
    const left: string[] = [];
    for (const user of users) {
      const email = canonical(user.email);
      if (email === user.email) continue;
      if (taken.has(email)) {
        left.push(user.id);
        continue;
      }
      await q.query(`UPDATE users SET email = $2 WHERE id = $1`, [user.id, email]);
      taken.delete(user.email);
      taken.add(email);
    }
    // By id (never the address): the operator deactivates or renames (in SQL) the one that should not be there.
    if (left.length > 0) {
      new Logger('Migrations').warn({ userIds: left }, `${left.length} account(s) keep an address another account has in canonical form (look-alikes): review them`);
    }
  }

  async down(): Promise<void> {
    // The addresses as typed before are not kept: nothing to undo (each signs in as before).
  }
}
