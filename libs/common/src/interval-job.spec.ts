import { Logger } from '@nestjs/common';
import { every } from './interval-job';

describe('every', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs one pass at a time; stopping aborts its signal and waits for the pass in hand to end', async () => {
    const logger = { error: jest.fn(), log: jest.fn() } as unknown as Logger;
    let finish!: () => void;
    const signals: AbortSignal[] = [];
    const task = jest.fn((signal: AbortSignal) => {
      signals.push(signal);
      return new Promise<void>((resolve) => (finish = resolve));
    });
    const stop = every(1, task, logger, 'Test job');
    jest.advanceTimersByTime(3000);
    expect(task).toHaveBeenCalledTimes(1); // the first pass is still running

    let stopped = false;
    const stopping = stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(signals[0].aborted).toBe(true);
    expect(stopped).toBe(false);
    finish();
    await stopping;
    expect(stopped).toBe(true);
    jest.advanceTimersByTime(3000);
    expect(task).toHaveBeenCalledTimes(1);
  });

  it('stops waiting after maxWaitMs for a pass that does not end (an email to a server that does not answer)', async () => {
    const logger = { error: jest.fn(), warn: jest.fn(), log: jest.fn() } as unknown as Logger;
    const task = jest.fn(() => new Promise<void>(() => undefined));
    const stop = every(1, task, logger, 'Test job', { maxWaitMs: 2000 });
    jest.advanceTimersByTime(1000);
    let stopped = false;
    const stopping = stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(1999);
    expect(stopped).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await stopping;
    expect(logger.warn).toHaveBeenCalledWith('Test job: stopping without waiting any longer for the pass in hand');
  });

  it('with firstAfterSeconds, runs the first pass that soon, then every interval; stopped before, it never runs', async () => {
    const logger = { error: jest.fn(), log: jest.fn() } as unknown as Logger;
    const task = jest.fn().mockResolvedValue(undefined);
    const stop = every(3600, task, logger, 'Purge', { firstAfterSeconds: 60 });
    jest.advanceTimersByTime(59_000);
    expect(task).toHaveBeenCalledTimes(0);
    await jest.advanceTimersByTimeAsync(1000);
    expect(task).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(3600_000 - 60_000);
    expect(task).toHaveBeenCalledTimes(2);
    await stop();
    const early = every(3600, task, logger, 'Purge', { firstAfterSeconds: 60 });
    await early();
    await jest.advanceTimersByTimeAsync(3600_000);
    expect(task).toHaveBeenCalledTimes(2);
  });

  it('logs a failed pass and runs the next', async () => {
    const logger = { error: jest.fn(), log: jest.fn() } as unknown as Logger;
    const task = jest.fn().mockRejectedValueOnce(new Error('database down')).mockResolvedValue(undefined);
    const stop = every(1, task, logger, 'Test job');
    jest.advanceTimersByTime(1000);
    await jest.advanceTimersByTimeAsync(0);
    jest.advanceTimersByTime(1000);
    await stop();
    expect(task).toHaveBeenCalledTimes(2);
    expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ err: expect.any(Error) }), 'Test job failed');
    // The first pass that ended well is told, once.
    expect(logger.log).toHaveBeenCalledWith('Test job: first pass done (then every 1 s)');
  });

  it('a pass resolving false (its parts failed and said so) is not told as done', async () => {
    const logger = { error: jest.fn(), log: jest.fn() } as unknown as Logger;
    const task = jest.fn().mockResolvedValueOnce(false).mockResolvedValue(true);
    const stop = every(1, task, logger, 'Test job');
    await jest.advanceTimersByTimeAsync(1000);
    expect(logger.log).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1000);
    await stop();
    expect(logger.log).toHaveBeenCalledTimes(1);
  });

  it('tells the first pass done once, not every pass', async () => {
    const logger = { error: jest.fn(), log: jest.fn() } as unknown as Logger;
    const stop = every(1, jest.fn().mockResolvedValue(undefined), logger, 'Test job');
    for (let i = 0; i < 3; i++) await jest.advanceTimersByTimeAsync(1000);
    await stop();
    expect(logger.log).toHaveBeenCalledTimes(1);
  });
});
