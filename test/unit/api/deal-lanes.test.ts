import { createDealLanes } from '../../../api/deal-lanes';
import { DomainError } from '../../../api/errors';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('deal lanes (O1: one deal, one change at a time from this API process)', () => {
  it('runs one deal’s work one at a time, in arrival order, and other deals in parallel', async () => {
    const lanes = createDealLanes({ maxWaitingPerDeal: 10 });
    const log: string[] = [];
    const gates: Record<string, () => void> = {};
    const job = (name: string) => () => {
      log.push(`start ${name}`);
      return new Promise<string>((resolve) => {
        gates[name] = () => {
          log.push(`end ${name}`);
          resolve(name);
        };
      });
    };
    const a1 = lanes.run('a', job('a1'));
    const a2 = lanes.run('a', job('a2'));
    const b1 = lanes.run('b', job('b1'));
    await tick();
    expect(log).toEqual(['start a1', 'start b1']);
    gates.a1();
    await tick();
    expect(log).toEqual(['start a1', 'start b1', 'end a1', 'start a2']);
    gates.a2();
    gates.b1();
    await expect(Promise.all([a1, a2, b1])).resolves.toEqual(['a1', 'a2', 'b1']);
    await tick();
    expect(lanes.size()).toBe(0);
  });

  it('goes on after a failure, and the failure reaches only its caller', async () => {
    const lanes = createDealLanes({ maxWaitingPerDeal: 10 });
    const failed = lanes.run('a', () => Promise.reject(new Error('refused')));
    const next = lanes.run('a', () => Promise.resolve('applied'));
    await expect(failed).rejects.toThrow('refused');
    await expect(next).resolves.toBe('applied');
  });

  it('answers 429 deal_busy once a deal has the most waiting work, and takes work again when it drains', async () => {
    const lanes = createDealLanes({ maxWaitingPerDeal: 2 });
    let release!: () => void;
    const held = lanes.run('a', () => new Promise<void>((resolve) => (release = resolve)));
    const queued = lanes.run('a', () => Promise.resolve());
    const refused = lanes.run('a', () => Promise.resolve());
    await expect(refused).rejects.toMatchObject({ code: 'deal_busy', status: 429 });
    await expect(refused).rejects.toBeInstanceOf(DomainError);
    await expect(lanes.run('b', () => Promise.resolve('other deal'))).resolves.toBe('other deal');
    release();
    await Promise.all([held, queued]);
    await tick();
    await expect(lanes.run('a', () => Promise.resolve('again'))).resolves.toBe('again');
  });
});
