import { ConfigError, loadConfig } from '../../../infra/config';

describe('metrics and retention settings', () => {
  it('serves metrics on the default ports, except under NODE_ENV=test where many processes share one host', () => {
    expect(loadConfig({})).toMatchObject({
      WORKER_METRICS_PORT: 9465,
      TEMPORAL_METRICS_ADDRESS: '127.0.0.1:9464',
      IDEMPOTENCY_RETENTION_DAYS: 7,
    });
    expect(loadConfig({ NODE_ENV: 'test' })).toMatchObject({
      WORKER_METRICS_PORT: 'off',
      TEMPORAL_METRICS_ADDRESS: 'off',
    });
    expect(
      loadConfig({ NODE_ENV: 'test', WORKER_METRICS_PORT: '0', TEMPORAL_METRICS_ADDRESS: '127.0.0.1:1234' }),
    ).toMatchObject({
      WORKER_METRICS_PORT: 0,
      TEMPORAL_METRICS_ADDRESS: '127.0.0.1:1234',
    });
    expect(loadConfig({ WORKER_METRICS_PORT: 'off' }).WORKER_METRICS_PORT).toBe('off');
  });

  it.each([
    ['WORKER_METRICS_PORT', 'abc'],
    ['WORKER_METRICS_PORT', '70000'],
    ['IDEMPOTENCY_RETENTION_DAYS', '0'],
    ['IDEMPOTENCY_RETENTION_DAYS', '1.5'],
  ])('stops start-up naming %s when it is %s', (field, value) => {
    expect(() => loadConfig({ [field]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [field]: value })).toThrow(field);
  });
});
