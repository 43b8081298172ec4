/**
 * The deployment files (Dockerfile, compose.yaml, deploy/k8s, the Grafana dashboard) checked against
 * the product itself: every setting they give is one the server reads and accepts, every probe is a
 * route it serves, every metric they chart or scale on is one it exports.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ENV_BINDINGS, loadConfig } from '../../src/config/index.js';
import { createMetrics } from '../../src/http/metrics.js';
import { repoRoot } from '../shared.js';

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function exportedMetrics(): Promise<Set<string>> {
  const metrics = createMetrics({ node: 'test' });
  const names = new Set<string>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

/** Settings a node is given must be real ones that validate (with the secrets the file leaves to the operator). */
function expectValidSettings(env: Record<string, string>): void {
  for (const name of Object.keys(env).filter((n) => n.startsWith('HOTLINE_')))
    expect(Object.keys(ENV_BINDINGS), `${name} is a setting`).toContain(name);
  expect(() =>
    loadConfig({ env: { ...env, HOTLINE_AUDIT_KEY_FILE: '/run/secrets/audit_key' } }),
  ).not.toThrow();
}

describe('deployment files', () => {
  it('Dockerfile: multi-stage, non-root, with a health check on a served route', () => {
    const file = read('Dockerfile');
    expect(file.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(file).toMatch(/^USER node$/m);
    expect(file).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
  });

  it('compose.yaml: two app nodes on one PostgreSQL and one NATS, with valid settings', () => {
    const compose = parse(read('compose.yaml'), { merge: true }) as Doc;
    expect(Object.keys(compose.services).sort()).toEqual(['app1', 'app2', 'nats', 'postgres']);
    const ids = ['app1', 'app2'].map((name) => {
      const env = compose.services[name].environment as Record<string, string>;
      expect(env.HOTLINE_BUS_URL).toBe('nats://nats:4222');
      expect(env.HOTLINE_DB_URL).toMatch(/@postgres:5432\//);
      expectValidSettings(env);
      return env.HOTLINE_NODE_ID;
    });
    expect(new Set(ids).size).toBe(2);
    expect(compose.services.nats.command).toContain('-js');
  });

  it('Kubernetes: probes on /readyz and /healthz, HPA on an exported metric, PDB and Service select the pods', async () => {
    const docs = parseAllDocuments(read('deploy/k8s/hotline-assist.yaml')).map((d) => d.toJS() as Doc);
    const byKind = Object.fromEntries(docs.map((d) => [d.kind, d])) as Record<string, Doc>;
    expect(Object.keys(byKind).sort()).toEqual([
      'Deployment',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Service',
    ]);
    const deployment = byKind.Deployment as Doc;
    const labels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    expect(byKind.Service?.spec.selector).toEqual(labels);
    expect(byKind.PodDisruptionBudget?.spec.selector.matchLabels).toEqual(labels);
    const container = deployment.spec.template.spec.containers[0];
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    const env = Object.fromEntries(
      (container.env as Array<{ name: string; value?: string }>).map((e) => [e.name, e.value ?? 'x']),
    );
    expectValidSettings({ ...env, HOTLINE_DB_URL: 'postgres://db/hotline' });
    const hpa = byKind.HorizontalPodAutoscaler as Doc;
    expect(hpa.spec.scaleTargetRef.name).toBe(deployment.metadata.name);
    const exported = await exportedMetrics();
    for (const metric of hpa.spec.metrics) expect(exported).toContain(metric.pods.metric.name);
  });

  it('the Grafana dashboard charts only metrics the server exports, by node', async () => {
    const dashboard = JSON.parse(read('deploy/grafana/hotline-cluster.json')) as Doc;
    const exported = await exportedMetrics();
    const exprs = (dashboard.panels as Doc[]).flatMap((p) => (p.targets as Doc[]).map((t) => String(t.expr)));
    expect(exprs.length).toBeGreaterThan(0);
    for (const expr of exprs)
      for (const name of expr.match(/hotline_[a-z_]+/g) ?? []) expect(exported, expr).toContain(name);
    expect(exprs.filter((e) => e.includes('node')).length).toBeGreaterThan(exprs.length / 2);
  });
});
