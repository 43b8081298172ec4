import { describe, expect, it } from 'vitest';
import { loadConfig } from './index.js';

describe('cluster settings', () => {
  it('a bus needs PostgreSQL, and the bus URL must be nats://', () => {
    expect(() => loadConfig({ env: { HOTLINE_BUS_URL: 'nats://127.0.0.1:4222' } })).toThrow(/HOTLINE_DB_URL/);
    expect(() =>
      loadConfig({ env: { HOTLINE_BUS_URL: 'redis://127.0.0.1:6379', HOTLINE_DB_URL: 'postgres://db/h' } }),
    ).toThrow(/nats:\/\//);
    const config = loadConfig({
      env: {
        HOTLINE_BUS_URL: 'nats://a:4222,nats://b:4222',
        HOTLINE_DB_URL: 'postgres://db/h',
        HOTLINE_NODE_ID: 'n1',
      },
    });
    expect(config.cluster).toMatchObject({
      busUrl: 'nats://a:4222,nats://b:4222',
      nodeId: 'n1',
      leaseMs: 10_000,
    });
  });

  it('without a bus the node is on its own (any database)', () => {
    expect(loadConfig({ env: {} }).cluster.busUrl).toBeUndefined();
  });
});
