import { SMTPServer, SMTPServerOptions } from 'smtp-server';

export interface Received {
  to: string[];
  raw: string;
}

export interface TestSmtp {
  server: SMTPServer;
  port: number;
  close(): Promise<void>;
}

/**
 * A mail server on a free loopback port that answers as `handlers` say (a recipient refused, a message taken late);
 * without an `onData`, it takes every message.
 */
export function startSmtpServer(handlers: Pick<SMTPServerOptions, 'onMailFrom' | 'onRcptTo' | 'onData'> = {}): Promise<TestSmtp> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData: (stream, _session, callback) => {
      stream.resume();
      stream.on('end', () => callback());
    },
    ...handlers,
  });
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.server.address() as { port: number }).port, close })));
}

/** A mail server on a free loopback port that takes every email and keeps it (`received`), for tests of what is sent. */
export async function startSmtp(): Promise<TestSmtp & { received: Received[] }> {
  const received: Received[] = [];
  const smtp = await startSmtpServer({
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  return { ...smtp, received };
}
