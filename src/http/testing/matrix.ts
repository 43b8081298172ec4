import type { FastifyInstance } from 'fastify';
import { roles, type Role } from '../principal.js';
import type { RouteDeclaration } from '../auth.js';

/** Columns of the authorization matrix: each role, plus the three ways a caller is not signed in. */
export const matrixColumns = [...roles, 'none', 'expired', 'revoked'] as const;
export type MatrixColumn = (typeof matrixColumns)[number];

export interface MatrixCell {
  route: string;
  column: MatrixColumn;
  status: number;
  code: string | null;
}

/** What the declaration alone implies: 401 for no/bad token, 403 for a role not listed, else "passes auth". */
export function expectedByDeclaration(decl: RouteDeclaration, column: MatrixColumn): 'pass' | 401 | 403 {
  if (decl.roles === 'public') return 'pass';
  if (column === 'none' || column === 'expired' || column === 'revoked') return 401;
  const allowed: readonly Role[] = decl.roles ?? ['admin'];
  return allowed.includes(column) ? 'pass' : 403;
}

/** Whether a response is the auth layer refusing (as opposed to the handler answering). */
export function refusedByAuth(
  status: number,
  body: { error?: { code?: string; message?: string } } | null,
  role: string,
): 401 | 403 | null {
  if (status === 401) return 401;
  if (
    status === 403 &&
    body?.error?.code === 'forbidden' &&
    body.error.message?.startsWith(`role ${role} may not`)
  )
    return 403;
  return null;
}

export type ProbedCell = MatrixCell & {
  decl: RouteDeclaration;
  expected: 'pass' | 401 | 403;
  actual: 'pass' | 401 | 403;
};

/** Probes every declared `/api` route with each column's token; path parameters get a placeholder. */
export async function probeDeclaredRoutes(
  app: FastifyInstance,
  tokens: Record<MatrixColumn, string | null>,
): Promise<ProbedCell[]> {
  const cells: ProbedCell[] = [];
  for (const decl of app.declaredRoutes().filter((d) => d.url.startsWith('/api'))) {
    const url = decl.url.replace(/:([A-Za-z_]+)/g, 'matrix-$1');
    for (const column of matrixColumns) {
      const token = tokens[column];
      const res = await app.inject({
        method: decl.method as 'GET',
        url,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(decl.websocket
            ? {
                connection: 'upgrade',
                upgrade: 'websocket',
                'sec-websocket-version': '13',
                'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
              }
            : {}),
        },
        ...(['POST', 'PUT', 'PATCH'].includes(decl.method) ? { payload: {} } : {}),
      });
      const body = String(res.headers['content-type']).startsWith('application/json')
        ? res.json<{ error?: { code?: string; message?: string } }>()
        : null;
      const actual: ProbedCell['actual'] = refusedByAuth(res.statusCode, body, column) ?? 'pass';
      cells.push({
        route: `${decl.method} ${decl.url}`,
        column,
        status: res.statusCode,
        code: body?.error?.code ?? null,
        decl,
        expected: expectedByDeclaration(decl, column),
        actual,
      });
    }
  }
  return cells;
}

/** The matrix as a fixed-width table (rows: routes, columns: roles and token states). */
export function formatMatrix(cells: MatrixCell[]): string {
  const routes = [...new Set(cells.map((c) => c.route))];
  const width = Math.max(...routes.map((r) => r.length));
  const header = ['route'.padEnd(width), ...matrixColumns.map((c) => c.padStart(10))].join(' ');
  const lines = routes.map((route) =>
    [
      route.padEnd(width),
      ...matrixColumns.map((column) =>
        String(cells.find((c) => c.route === route && c.column === column)?.status ?? '').padStart(10),
      ),
    ].join(' '),
  );
  return [header, ...lines].join('\n');
}
