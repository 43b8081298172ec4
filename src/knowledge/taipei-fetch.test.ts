import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchTaipeiFaq } from './taipei-fetch.js';

const files: Record<string, string> = {
  '交通局QA.csv':
    'Time,Url,Question,Answer,點閱數,資料更新,資料檢視,資料維護\n2024-01-11,https://dot.gov.taipei/a,"悠遊卡遺失, 怎麼辦？"," 請掛失。 ",3,112-12-04 17:37,113-01-02,臺北市政府交通局\n',
  '社會局QA.csv':
    'Time,Url,Question,Answer,點閱數,資料更新,資料檢視,資料維護\n2024-01-11,https://dosw.gov.taipei/b,如何申請低收入戶？,向區公所申請。,9,112-03-03,113-01-02,臺北市政府社會局\n',
  'README.md': '# not a QA file',
};

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '');
    if (url === '/repos/tpe-doit/Taipei-FAQ/contents/python') {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify(
          Object.keys(files).map((name) => ({
            name,
            download_url: `${base}/raw/${encodeURIComponent(name)}`,
          })),
        ),
      );
      return;
    }
    const name = url.replace('/raw/', '');
    if (files[name]) res.end(files[name]);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('kb fetch taipei', () => {
  it('downloads every <agency>QA.csv and maps its columns, the agency coming from the file name', async () => {
    const seen: string[] = [];
    const entries = await fetchTaipeiFaq({ apiBase: base, onFile: (name, n) => seen.push(`${name}:${n}`) });
    expect(seen).toEqual(['交通局QA.csv:1', '社會局QA.csv:1']);
    expect(entries[0]).toMatchObject({
      question: '悠遊卡遺失, 怎麼辦？',
      answer: '請掛失。',
      agency: '交通局',
      // 資料維護: the unit cold questions are handed to.
      maintainer: '臺北市政府交通局',
      url: 'https://dot.gov.taipei/a',
      updated: '112-12-04 17:37',
    });
    expect(entries[1]?.agency).toBe('社會局');
    // Same source, same ids: a re-fetch records only what changed.
    expect((await fetchTaipeiFaq({ apiBase: base })).map((e) => e.id)).toEqual(entries.map((e) => e.id));
  });

  it('fails with one clear line when the source cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await fetchTaipeiFaq({ apiBase: `http://127.0.0.1:${port}`, timeoutMs: 2000 }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'fetch_failed' });
    expect((err as Error).message).toMatch(
      new RegExp(`^cannot reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\); check the network`),
    );
    expect((err as Error).message).not.toContain('\n');
  });
});
