import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { createCaseSystemRepository, openStore } from '../store/index.js';
import { createCaseSystem, createHttpCaseSystem } from './case-system.js';

describe('HTTP case system adapter', () => {
  let server: Server;
  let url = '';
  const seen: Array<string | undefined> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (req.url === '/api/cases/A1130012345') {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            case_no: 'A1130012345',
            status: '派工中',
            agency: '工務局',
            updated_at: '2026-11-20T08:00:00Z',
          }),
        );
      } else if (req.url === '/api/cases/BROKEN00') {
        res.end('not json');
      } else if (req.url === '/api/cases/SLOW0000') {
        setTimeout(() => res.end('{}'), 2000);
      } else if (req.url === '/api/cases/FAIL0000') {
        res.statusCode = 503;
        res.end();
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('looks a case up with the bearer token and maps the record', async () => {
    const system = createHttpCaseSystem({ url, token: 'secret' });
    expect(await system.lookup('A1130012345')).toEqual({
      case_no: 'A1130012345',
      status: '派工中',
      agency: '工務局',
      summary: null,
      updated_at: '2026-11-20T08:00:00.000Z',
    });
    expect(seen.at(-1)).toBe('Bearer secret');
    expect(await system.lookup('Z0000000')).toBeNull();
  });

  it('turns bad bodies, server errors and timeouts into case-system errors', async () => {
    const system = createHttpCaseSystem({ url, timeoutMs: 200 });
    await expect(system.lookup('BROKEN00')).rejects.toMatchObject({ code: 'case_system_error' });
    await expect(system.lookup('FAIL0000')).rejects.toMatchObject({ code: 'case_system_error' });
    await expect(system.lookup('SLOW0000')).rejects.toMatchObject({ code: 'case_system_unavailable' });
  });

  it('is chosen by createCaseSystem when a URL is configured, else the demo one from the store', async () => {
    const store = await openStore({});
    let demoOpened = 0;
    const demoCases = () => {
      demoOpened++;
      return createCaseSystemRepository(store);
    };
    const viaHttp = await createCaseSystem({
      config: loadConfig({ env: {}, overrides: { suggest: { caseSystemUrl: url, caseSystemToken: 't' } } }),
      demoCases,
    });
    expect((await viaHttp.lookup('A1130012345'))?.status).toBe('派工中');
    expect(demoOpened).toBe(0);
    await (
      await createCaseSystemRepository(store)
    ).upsert({ case_no: 'D1130000001', status: '已結案', agency: '交通局' });
    const demo = await createCaseSystem({ config: loadConfig({ env: {} }), demoCases });
    expect(await demo.lookup('d113-0000001')).toMatchObject({ status: '已結案', agency: '交通局' });
    await store.close();
  });
});
