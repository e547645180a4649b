import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import nodemailer, { Transporter } from 'nodemailer';
import { DataSource } from 'typeorm';
import { Clock } from '@amparo/common';
import { APP_CONFIG, AppConfig } from '@amparo/config';

const BATCH = 20;
const MAX_ATTEMPTS = 8;
/**
 * How long a claimed batch is kept from other instances while it is sent: longer than a batch can take when every
 * send runs into the transport's timeouts (10 s to connect, 10 s for the greeting, 20 s of silence).
 */
const LEASE_SECONDS = BATCH * 45;

/**
 * Claims up to $3 due notifications for this instance: their next attempt moves past the lease, so no other instance
 * (or later run) picks them up while they are being sent. SKIP LOCKED lets concurrent claims take different rows.
 * A SELECT around the UPDATE, as TypeORM answers a bare UPDATE with [rows, count] instead of the rows.
 */
const CLAIM_SQL = `WITH due AS (
  SELECT n.id FROM notifications n JOIN users u ON u.id = n.recipient_id
   WHERE n.sent_at IS NULL AND n.next_attempt_at <= $1 AND n.attempts < $2 AND u.active
   ORDER BY n.next_attempt_at LIMIT $3 FOR UPDATE OF n SKIP LOCKED
), claimed AS (
  UPDATE notifications n SET next_attempt_at = $1::timestamptz + make_interval(secs => $4)
    FROM due, users u
   WHERE n.id = due.id AND u.id = n.recipient_id
  RETURNING n.id, u.email, n.subject, n.body, n.kind, n.recipient_id, n.attempts
)
SELECT id, email, subject, body, kind, recipient_id, attempts FROM claimed`;

/**
 * What went wrong, for the log and `last_error`: SMTP servers quote the recipient in their replies
 * ("550 5.1.1 <someone@example.org>: Recipient address rejected"), so anything shaped like an address is masked.
 */
export function smtpErrorText(error: unknown): string {
  const e = error as { code?: unknown; responseCode?: unknown; message?: unknown };
  const parts = [typeof e?.code === 'string' ? e.code : null, typeof e?.responseCode === 'number' ? String(e.responseCode) : null];
  const message = String(e?.message ?? error)
    .replace(/<[^<>]*>/g, '<[address]>')
    .replace(/"[^"]*"@[^\s<>"',;:]+/g, '[address]')
    .replace(/[^\s<>"'@,;:]+@[^\s<>"'@,;:]+/g, '[address]');
  return [...parts.filter(Boolean), message].join(' ').slice(0, 300);
}

/**
 * Delivers the outbox: by SMTP when configured, otherwise to the log (subject only: no personal data is ever in a
 * notification, but the log says only which kind went to which user id). A batch is claimed with a lease (CLAIM_SQL),
 * so several instances share the work, and sent with no transaction open: a slow mail server holds no database
 * connection and no row lock. Each result is written when its send ends. At least once: if the process dies between
 * the SMTP answer and that write, the lease runs out and the mail is sent again.
 */
@Injectable()
export class MailDeliveryService implements OnApplicationShutdown {
  private readonly logger = new Logger('Mail');
  private readonly transport: Transporter | null;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    const smtp = config.smtp;
    this.transport = smtp
      ? nodemailer.createTransport({
          host: smtp.host,
          port: smtp.port,
          secure: smtp.secure,
          auth: smtp.user ? { user: smtp.user, pass: smtp.password ?? '' } : undefined,
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 20_000,
        })
      : null;
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }

  /** Sends what is due; returns how many were sent. */
  async deliverDue(): Promise<number> {
    let sent = 0;
    for (;;) {
      const rows: { id: string; email: string; subject: string; body: string; kind: string; recipient_id: string; attempts: number }[] =
        await this.db.query(CLAIM_SQL, [this.clock.now(), MAX_ATTEMPTS, BATCH, LEASE_SECONDS]);
      for (const row of rows) if (await this.deliver(row)) sent += 1;
      if (rows.length < BATCH) return sent;
    }
  }

  private async deliver(row: { id: string; email: string; subject: string; body: string; kind: string; recipient_id: string; attempts: number }): Promise<boolean> {
    try {
      if (this.transport) {
        await this.transport.sendMail({ from: this.config.smtp!.from, to: row.email, subject: row.subject, text: row.body });
      } else {
        this.logger.log({ notification: row.id, kind: row.kind, recipientId: row.recipient_id }, 'Notification (no SMTP configured)');
      }
    } catch (error) {
      const attempts = row.attempts + 1;
      // Never the address, subject or body: ids, kind, and the error without any address in it.
      const reason = smtpErrorText(error);
      const facts = { notification: row.id, kind: row.kind, recipientId: row.recipient_id, attempts, error: reason };
      if (attempts >= MAX_ATTEMPTS) {
        this.logger.error(facts, `Notification undeliverable: giving up after ${attempts} attempts (it stays in notifications with last_error)`);
      } else {
        this.logger.warn(facts, 'Notification delivery failed: will retry');
      }
      const backoffSeconds = 60 * 2 ** row.attempts;
      await this.db.query(
        `UPDATE notifications SET attempts = attempts + 1, last_error = $2,
                next_attempt_at = $3::timestamptz + make_interval(secs => $4) WHERE id = $1`,
        [row.id, reason, this.clock.now(), backoffSeconds],
      );
      return false;
    }
    await this.db.query(`UPDATE notifications SET sent_at = $2, attempts = attempts + 1, last_error = NULL WHERE id = $1`, [row.id, this.clock.now()]);
    return true;
  }
}
