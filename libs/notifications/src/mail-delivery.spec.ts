import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Clock } from '@amparo/common';
import type { AppConfig } from '@amparo/config';
import { MailDeliveryService, isMailboxStatus, isServerFault, isTemporaryFailure, outageGapMs, smtpErrorText, transportOptions } from './mail-delivery.service';
import { OutboxService } from './outbox.service';

describe('isServerFault', () => {
  it('the server or its configuration (no email of it can go) is not the email\'s fault; a refused recipient is', () => {
    for (const error of [
      { code: 'ECONNECTION' }, { code: 'ETIMEDOUT' }, { code: 'EAUTH', responseCode: 535 },
      { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 530 }, { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 553 },
      { code: 'EPROTOCOL', responseCode: 421 },
      // The greeting of this host refused (a name the relay does not take): no email can go.
      { code: 'EPROTOCOL', command: 'EHLO', responseCode: 550 }, { code: 'EPROTOCOL', command: 'HELO', responseCode: 501 },
    ]) expect([error, isServerFault(error)]).toEqual([error, true]);
    for (const error of [{ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550 }, { code: 'EMESSAGE', command: 'DATA', responseCode: 552 }, new Error('x'), null]) {
      expect([error, isServerFault(error)]).toEqual([error, false]);
    }
  });
});

describe('isMailboxStatus', () => {
  it('reads the enhanced status code: the mailbox\'s state (4.2), not the mail system nor an address', () => {
    for (const error of [{ response: '452 4.2.2 Mailbox full' }, { response: '450-4.2.1 The user you are trying to contact is receiving mail at a rate' }, { message: 'Can\'t send mail - all recipients were rejected: 452 4.2.2 Mailbox full' }]) {
      expect([error, isMailboxStatus(error)]).toEqual([error, true]);
    }
    for (const error of [{ response: '451 4.3.0 Temporary lookup failure' }, { response: '451 4.7.1 Greylisted, try again' }, { response: '451 4.1.8 Sender address rejected' }, { response: '450 Try later' }, {}, null]) {
      expect([error, isMailboxStatus(error)]).toEqual([error, false]);
    }
  });
});

describe('isTemporaryFailure', () => {
  it('is a 4xx reply that is not the server\'s fault: tried again for days', () => {
    for (const error of [{ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 451 }, { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 452 }, { code: 'EMESSAGE', command: 'DATA', responseCode: 450 }]) {
      expect([error, isTemporaryFailure(error)]).toEqual([error, true]);
    }
    for (const error of [{ code: 'EPROTOCOL', responseCode: 421 }, { code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550 }, { code: 'ETIMEDOUT' }, null]) {
      expect([error, isTemporaryFailure(error)]).toEqual([error, false]);
    }
  });
});

describe('outageGapMs', () => {
  it('keeps one outage across the passes: ten minutes, or three job intervals when passes are further apart', () => {
    expect(outageGapMs(60)).toBe(10 * 60_000);
    expect(outageGapMs(300)).toBe(15 * 60_000);
    // Passes every half hour or hour (the most JOBS_INTERVAL_SECONDS allows): consecutive faults are one outage.
    expect(outageGapMs(1800)).toBeGreaterThan(1800_000 + 60_000);
    expect(outageGapMs(3600)).toBeGreaterThan(3600_000 + 60_000);
  });
});

describe('smtpErrorText', () => {
  it('keeps the code and the reply, masks every address', () => {
    const error = Object.assign(new Error("Can't send mail - all recipients were rejected: 550 5.1.1 <maria.lopez@example.org>: Recipient address rejected"), {
      code: 'EENVELOPE',
      responseCode: 550,
    });
    const text = smtpErrorText(error);
    expect(text).toBe("EENVELOPE 550 Can't send mail - all recipients were rejected: 550 5.1.1 <[address]>: Recipient address rejected");
    expect(smtpErrorText(new Error('mailbox full for jose+intake@example.org, try later'))).toBe('mailbox full for [address], try later');
    expect(smtpErrorText(new Error('550 "maria lopez"@example.org unknown'))).toBe('550 [address] unknown');
  });

  it('copes with odd throwables and stays short', () => {
    expect(smtpErrorText('plain string')).toBe('plain string');
    expect(smtpErrorText(undefined)).toBe('undefined');
    expect(smtpErrorText(new Error('x'.repeat(1000)))).toHaveLength(300);
  });
});

describe('transportOptions', () => {
  const smtp = { host: 'mail.example.org', port: 587, secure: false, requireTls: null, user: 'relay', password: 'relay-password', from: 'Amparo <no-reply@example.org>' };

  it('requires STARTTLS of a mail server elsewhere: a stripped offer must not send the sign-in in clear', () => {
    expect(transportOptions(smtp)).toMatchObject({ requireTLS: true, secure: false });
  });

  it('leaves implicit TLS as it is, and a relay on this host may offer none', () => {
    expect(transportOptions({ ...smtp, port: 465, secure: true }).requireTLS).toBe(false);
    for (const host of ['localhost', '127.0.0.1', '127.0.0.53', '::1', '[::1]']) expect(transportOptions({ ...smtp, host }).requireTLS).toBe(false);
    for (const host of ['localhost.example.org', '10.0.0.5', '127.0.0.1.example.org']) expect(transportOptions({ ...smtp, host }).requireTLS).toBe(true);
  });

  it('follows SMTP_REQUIRE_TLS when it is set: off for a relay on a trusted network, on even for this host', () => {
    expect(transportOptions({ ...smtp, host: '172.17.0.1', requireTls: false }).requireTLS).toBe(false);
    expect(transportOptions({ ...smtp, host: 'localhost', requireTls: true }).requireTLS).toBe(true);
  });
});

describe('MailDeliveryService at start', () => {
  afterEach(() => jest.restoreAllMocks());

  it('warns once, in production with the jobs on, that without SMTP_HOST no email reaches anyone', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const start = (nodeEnv: string, smtp: object | null, enabled = true) =>
      new MailDeliveryService({} as DataSource, { nodeEnv, smtp, jobs: { enabled } } as unknown as AppConfig, {} as Clock, new OutboxService({} as Clock)).onApplicationBootstrap();
    start('production', null);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/^SMTP_HOST is not set: no email is sent/);
    start('development', null);
    start('production', null, false);
    start('production', { host: 'mail.example.org', port: 587, secure: false, requireTls: null, user: null, password: null, from: 'no-reply@example.org' });
    expect(warn).toHaveBeenCalledTimes(1);
  });
});
