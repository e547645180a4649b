import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig, ConfigError } from '@amparo/config';
import { Clock } from '@amparo/common';
import { TEMPORARY_PASSWORD_HOURS, temporaryPasswordExpiry } from './temporary-password';
import { PasswordService } from './password.service';
import { passwordWeakness } from './password-strength';

const BOOTSTRAP_LOCK = 0x616d7061; // "ampa": one instance creates the first organization, the others wait.

/** On first start with an empty database: the first organization and its admin. */
@Injectable()
export class BootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Bootstrap');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly passwords: PasswordService,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.admin.bootstrap === false) return;
    const generated = this.config.admin.password === null;
    const password = this.config.admin.password ?? randomBytes(15).toString('base64url');
    const created = await this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
      const [{ count }] = await tx.query('SELECT count(*)::int AS count FROM organizations');
      if (count > 0) return false;
      const weak = generated ? null : await passwordWeakness(password, [this.config.admin.email]);
      if (weak) throw new ConfigError('ADMIN_PASSWORD', `${weak}. Set another, or leave it unset to have one generated.`);
      const [org] = await tx.query(`INSERT INTO organizations (name) VALUES ($1) RETURNING id`, ['My organization']);
      await tx.query(
        // A generated password is temporary: the admin changes it at their first sign-in, before anything else.
        // Set by the operator, generated or given (ADMIN_PASSWORD): not an admin's to set again.
        `INSERT INTO users (organization_id, email, name, role, password_hash, password_expires_at, password_set_by)
         VALUES ($1, $2, $3, 'admin', $4, $5, 'operator')`,
        [org.id, this.config.admin.email, 'Administrator', await this.passwords.hash(password),
          generated ? temporaryPasswordExpiry(this.clock.now()) : null],
      );
      return true;
    });
    if (!created) return;
    this.logger.log(`Created the first organization and its admin account (${this.config.admin.email})`);
    if (generated) {
      // Printed once, on the console only, never through the structured log that may be shipped elsewhere.
      process.stdout.write(
        `\n  First admin: ${this.config.admin.email}\n  Generated password (shown once; sign in and change it within ${TEMPORARY_PASSWORD_HOURS} hours): ${password}\n\n`,
      );
    }
  }
}
