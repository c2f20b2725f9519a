// Loads every form an OpenRosa server lists in ODK Web Forms' engine (@getodk/xforms-engine), fills an instance
// of each as a person would (a value for every relevant question, one repeat instance, a photo for each upload)
// and submits it to the server's submission route, like ODK Collect does.
//
//   node web/tests/xforms_engine_submit.mjs http://127.0.0.1:PORT/odk/TOKEN
//
// Prints one JSON line per form: {form_id, load, error, warnings, violations, fill_errors, submit_status,
// submit_body}. app/form_engine_test.go runs it; it exits non-zero only when it cannot run at all.
import { JSDOM } from 'jsdom';

// The engine needs a DOM (ODK tests it under jsdom), and its bundled tree-sitter expects CommonJS globals in
// Node; the XPath grammar itself is inlined as WebAssembly, so nothing is read from disk.
const dom = new JSDOM('');
for (const k of ['DOMParser', 'XMLSerializer', 'Node', 'Element', 'Document', 'XMLDocument', 'Attr', 'Text',
  'NodeFilter', 'document']) {
  globalThis[k] = dom.window[k];
}
globalThis.__dirname = '/nonexistent';
globalThis.module = { exports: {} };
const { loadForm } = await import('@getodk/xforms-engine');

const base = process.argv[2];
if (!base) {
  console.error('usage: node xforms_engine_submit.mjs SERVER_URL');
  process.exit(2);
}

const xmlDoc = async (url) => new DOMParser().parseFromString(await (await fetch(url)).text(), 'text/xml');
const text = (el, name) => el.getElementsByTagName(name)[0]?.textContent?.trim() ?? '';

const values = {
  string: '12345', int: '1', decimal: '1.5', date: '2026-11-30', time: '10:00:00.000+01:00',
  dateTime: '2026-11-30T10:00:00.000+01:00', geopoint: '0.5 0.5 100 5', barcode: '0123456789',
  geotrace: '0.5 0.5 0 0;0.6 0.6 0 0', geoshape: '0.4 0.4 0 0;0.4 0.6 0 0;0.6 0.6 0 0;0.4 0.4 0 0',
  boolean: 'true', intent: 'test',
};

// fill gives every relevant, writable question a value of its type; it records what the engine refused.
function fill(node, errors, photo) {
  const st = node.currentState;
  const at = () => st.reference;
  try {
    if (st.relevant === false) return;
    switch (node.nodeType) {
      case 'input':
        if (!st.readonly && values[node.valueType] !== undefined) node.setValue(values[node.valueType]);
        return;
      case 'select':
        if (!st.readonly && st.valueOptions.length > 0) node.selectValue(st.valueOptions[0].value);
        return;
      case 'rank':
        if (!st.readonly) node.setValues(st.valueOptions.map((o) => o.value));
        return;
      case 'trigger':
        if (!st.readonly) node.setValue(true);
        return;
      case 'upload':
        if (!st.readonly) node.setValue(photo());
        return;
      case 'repeat-range:uncontrolled':
        if (st.children.length === 0) node.addInstances();
        break;
    }
  } catch (e) {
    errors.push(`${at()}: ${e.message}`);
    return;
  }
  for (const child of node.currentState.children ?? []) fill(child, errors, photo);
}

async function check(form) {
  const out = { form_id: form.id };
  const media = new Map();
  if (form.manifest) {
    for (const m of (await xmlDoc(form.manifest)).getElementsByTagName('mediaFile')) {
      media.set(text(m, 'filename'), text(m, 'downloadUrl'));
    }
  }
  const xml = await (await fetch(form.download)).text();
  const fetchFormAttachment = async (url) => {
    const name = decodeURIComponent(String(url.href ?? url).replace(/^jr:\/\/[a-z-]*\//, ''));
    return media.has(name) ? fetch(media.get(name)) : new Response('', { status: 404 });
  };
  const result = await loadForm(xml, { fetchFormAttachment, missingResourceBehavior: 'BLANK' });
  out.load = result.status;
  out.error = result.error ? String(result.error.message ?? result.error) : null;
  out.warnings = result.warnings ? JSON.stringify(result.warnings) : null;
  if (result.status === 'failure') return out;
  const instance = result.createInstance({ instance: { preloadProperties: { deviceID: 'fieldbase-engine-test',
    username: 'walker' } } });
  const errors = [];
  let n = 0;
  const photo = () => new File([new Uint8Array([0xff, 0xd8, 0xff, 0xe0, n++])], `photo-${n}.jpg`,
    { type: 'image/jpeg' });
  fill(instance.root, errors, photo);
  out.fill_errors = errors;
  const payload = await instance.root.prepareInstancePayload();
  out.violations = (payload.violations ?? []).map((v) => v.reference ?? JSON.stringify(v));
  const body = new FormData();
  for (const [name, file] of payload.data[0].entries()) body.append(name, file, file.name);
  const resp = await fetch(`${base}/submission`, { method: 'POST', body,
    headers: { 'X-OpenRosa-Version': '1.0' } });
  out.submit_status = resp.status;
  out.submit_body = await resp.text();
  return out;
}

const list = await xmlDoc(`${base}/formList`);
for (const x of list.getElementsByTagName('xform')) {
  const form = { id: text(x, 'formID'), download: text(x, 'downloadUrl'), manifest: text(x, 'manifestUrl') };
  let out;
  try {
    out = await check(form);
  } catch (e) {
    out = { form_id: form.id, load: 'exception', error: String(e?.stack ?? e) };
  }
  console.log(JSON.stringify(out));
}
