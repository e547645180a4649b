import { Worker } from 'node:worker_threads';

/**
 * zxcvbn's score a new password must reach: 3 of 4, "safely unguessable" (more than 10^10 guesses). Below it are
 * the common passwords (zxcvbn-ts's list of about 49,000, well past the 3,000 of OWASP ASVS 6.2.4), keyboard walks,
 * repeats, sequences, dates, and words of the account itself (ASVS 6.2.11).
 */
export const MIN_PASSWORD_SCORE = 3;

/**
 * Only the first characters are judged: on long repetitive inputs the estimate takes seconds (200 digits: about 2 s),
 * and a password whose first 32 characters are not easy to guess is not easy to guess (the worst 32 cost about 0.1 s).
 */
export const JUDGED_LENGTH = 32;

/** How many new passwords one user may have judged in a window, when changing their own. */
export const PASSWORD_CHECKS = { max: 20, windowSeconds: 900 } as const;

/**
 * The estimate runs in a short-lived worker thread: it is CPU-bound and would hold the event loop (every other
 * request) while it runs, and its dictionaries (about 25 MB) would stay in the API's memory for good. A worker costs
 * about 0.2 s of wall time per password, which creating an account or changing a password can spare.
 */
const JUDGE = `
const { parentPort, workerData } = require('node:worker_threads');
const { ZxcvbnFactory } = require(workerData.core);
const { adjacencyGraphs, dictionary } = require(workerData.common);
const estimator = new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs, maxLength: workerData.maxLength });
parentPort.postMessage(estimator.check(workerData.password, workerData.words).score);
`;

/** Judgements running at once; more wait their turn (each worker holds its own copy of the dictionaries). */
const MAX_WORKERS = 2;
const JUDGE_TIMEOUT_MS = 10_000;
let running = 0;
const waiting: (() => void)[] = [];

async function inTurn<T>(work: () => Promise<T>): Promise<T> {
  // A slot is handed straight to the next in line, so nobody can slip in between.
  if (running >= MAX_WORKERS) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

function score(password: string, words: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(JUDGE, {
      eval: true,
      workerData: {
        core: require.resolve('@zxcvbn-ts/core'),
        common: require.resolve('@zxcvbn-ts/language-common'),
        maxLength: JUDGED_LENGTH,
        password,
        words,
      },
      resourceLimits: { maxOldGenerationSizeMb: 128 },
    });
    const timer = setTimeout(() => void worker.terminate(), JUDGE_TIMEOUT_MS);
    worker.once('message', (value: number) => resolve(value));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the password judge stopped (exit code ${code}) before it answered`)); // no-op once resolved
    });
  });
}

/**
 * Why a new password is too easy to guess, or null. `context` holds the account's own words (email, name,
 * organization), which a guesser tries first; the product's name is always among them.
 */
export async function passwordWeakness(password: string, context: readonly string[]): Promise<string | null> {
  // Each whole (an email, a name), an email's local part, and each word of them.
  const words = ['amparo', ...context.flatMap((c) => [c, c.split('@')[0], ...c.split(/[^\p{L}\p{N}]+/u)]).filter((w) => w.length >= 3)];
  const judged = await inTurn(() => score(password, words));
  return judged >= MIN_PASSWORD_SCORE
    ? null
    : 'is too easy to guess (a common password, a pattern such as a keyboard row or a repeat, or words of the account): a passphrase of a few unrelated words works';
}
