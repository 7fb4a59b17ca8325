import { ConfigError, loadConfig } from '../../../infra/config';

describe('configuration from the environment', () => {
  it('uses safe embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
    expect(config.TEMPORAL_UI_PORT).toBe(8233);
    expect(config.DATA_DIR.endsWith('.data')).toBe(true);
  });

  it.each([
    ['PORT', 'not-a-port'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x@y/z'],
    ['TEMPORAL_ADDRESS', 'no-port'],
    ['LOG_LEVEL', 'loud'],
    ['POLICY_FOLLOW_UP_SECONDS', '-5'],
    ['ADMIN_TOKEN', 'short'],
  ])('stops start-up naming %s when it is %s', (field, value) => {
    expect(() => loadConfig({ [field]: value })).toThrow(ConfigError);
    try {
      loadConfig({ [field]: value });
    } catch (error) {
      expect((error as ConfigError).issues.map((issue) => issue.field)).toContain(field);
      expect((error as Error).message).toContain(field);
    }
  });

  it('accepts policy durations of seconds for tests', () => {
    expect(loadConfig({ POLICY_FOLLOW_UP_SECONDS: '2', POLICY_AUTO_LOSE_ON_DEADLINE: 'true' })).toMatchObject({
      POLICY_FOLLOW_UP_SECONDS: 2,
      POLICY_AUTO_LOSE_ON_DEADLINE: true,
    });
  });
});
