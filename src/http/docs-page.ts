/**
 * `GET /api/docs`: a small self-contained page that reads `/api/docs/json` and lists every route with
 * its request and response schemas. No CDN, no bundled Swagger UI: it works on an offline node.
 */
export const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Hotline Assist API</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; color: #222; }
  details { border: 1px solid #ddd; border-radius: 4px; margin: .3rem 0; }
  summary { cursor: pointer; padding: .35rem .6rem; }
  .m { display: inline-block; min-width: 4.5rem; font-weight: 600; }
  .get { color: #0a6; } .post { color: #06c; } .put, .patch { color: #a60; } .delete { color: #c22; }
  pre { background: #f6f6f6; margin: 0; padding: .6rem; overflow: auto; font-size: 12px; }
  h3 { margin: .6rem .6rem .2rem; font-size: 13px; }
</style>
</head>
<body>
<h1>Hotline Assist API</h1>
<p>The OpenAPI document is at <a href="/api/docs/json">/api/docs/json</a>. Send <code>Authorization: Bearer &lt;token&gt;</code>.</p>
<div id="routes">Loading…</div>
<script>
fetch('/api/docs/json').then((r) => r.json()).then((doc) => {
  const root = document.getElementById('routes');
  root.textContent = '';
  const block = (title, value) => {
    const h = document.createElement('h3'); h.textContent = title;
    const pre = document.createElement('pre'); pre.textContent = JSON.stringify(value, null, 2);
    return [h, pre];
  };
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const d = document.createElement('details');
      const s = document.createElement('summary');
      const m = document.createElement('span'); m.className = 'm ' + method; m.textContent = method.toUpperCase();
      s.append(m, ' ' + path + (op.summary ? ' — ' + op.summary : ''));
      d.append(s);
      if (op.parameters) d.append(...block('parameters', op.parameters));
      if (op.requestBody) d.append(...block('request body', op.requestBody));
      d.append(...block('responses', op.responses));
      root.append(d);
    }
  }
});
</script>
</body>
</html>
`;
