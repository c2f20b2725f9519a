// fill.js: the fill page. Mounts ODK Web Forms (a Vue 3 component) with the form XML and media read from the
// server, pre-fills task_id / feature_id, and hands each filled instance to the outbox (window.fbOutbox, from
// outbox.js: stored in IndexedDB before anything is sent) or, without it, posts it straight to the server.
// The config comes from the page (#fill-config); the static files it loads are listed in #fill-assets.
import { createApp, h } from "vue";
import { OdkWebForm, webFormsPlugin, POST_SUBMIT__NEW_INSTANCE } from "/static/vendor/web-forms/web-forms.js";

const cfg = JSON.parse(document.getElementById("fill-config").textContent);
const assets = JSON.parse(document.getElementById("fill-assets").textContent);
const statusEl = document.getElementById("fill-status");
// The words come from the page in its language (fbT, i18n.js; fill.js.* in the catalogues).
const fbT = window.fbT;

// status shows one message under the title: kind is info, success or error.
function status(kind, text, link) {
  const box = document.createElement("div");
  box.className = kind === "error" ? "alert alert-error" : "flash flash-" + kind;
  box.setAttribute("role", kind === "error" ? "alert" : "status");
  const span = document.createElement("span");
  span.className = kind === "error" ? "alert-text" : "flash-text";
  span.textContent = text;
  if (link) {
    const a = document.createElement("a");
    a.href = link.href;
    a.textContent = link.text;
    span.append(" ", a);
  }
  box.append(span);
  statusEl.replaceChildren(box);
  box.scrollIntoView({ block: "nearest" });
}

// prefill sets the named leaves of the form's primary instance (its default values), so a new instance starts
// with them, also after each reset for the next entry.
function prefill(xml, values) {
  const names = Object.keys(values);
  if (names.length === 0) return xml;
  const doc = new DOMParser().parseFromString(xml, "text/xml");
  const model = doc.getElementsByTagNameNS("*", "model")[0];
  const instance = model && Array.from(model.children).find((n) => n.localName === "instance");
  const root = instance && instance.firstElementChild;
  if (!root) return xml;
  for (const name of names) {
    const el = Array.from(root.getElementsByTagNameNS("*", name)).find((n) => n.children.length === 0);
    if (el) el.textContent = values[name];
  }
  return new XMLSerializer().serializeToString(doc);
}

// mediaName is the file name a jr:// URL names (jr://images/a.png, jr://file-csv/list.csv).
function mediaName(u) {
  const s = String(u && u.href ? u.href : u);
  return decodeURIComponent(s.slice(s.lastIndexOf("/") + 1));
}

async function fetchAttachment(u) {
  const url = cfg.mediaUrls[mediaName(u)];
  if (!url) return new Response("", { status: 404 });
  return fetch(url, { credentials: "same-origin" });
}

// instanceID reads meta/instanceID from the instance XML.
function instanceID(xml) {
  const doc = new DOMParser().parseFromString(xml, "text/xml");
  const el = doc.getElementsByTagNameNS("*", "instanceID")[0];
  return el ? el.textContent.trim() : "";
}

// itemFrom turns Web Forms' payload into an outbox item (the contract with outbox.js).
async function itemFrom(payload) {
  const data = payload.data[0];
  const xml = await data.get("xml_submission_file").text();
  const attachments = [];
  for (const [key, file] of data.entries()) {
    if (key === "xml_submission_file") continue;
    attachments.push({ name: file.name || key, type: file.type || "application/octet-stream", blob: file });
  }
  return {
    instanceId: instanceID(xml), projectId: cfg.projectId, formId: cfg.formId, formVersion: cfg.formVersion,
    formTitle: cfg.formTitle, submitUrl: cfg.submitUrl, xmlField: cfg.xmlField,
    attachmentField: cfg.attachmentField || null, headers: cfg.headers, xml, attachments,
    createdAt: new Date().toISOString(), taskIndex: cfg.taskIndex, featureId: cfg.featureId,
  };
}

// sendDirect posts an item as the outbox would (multipart: the XML as submission.xml, each attachment as a file
// part) and says what came of it; true when the server has it.
async function sendDirect(item) {
  const body = new FormData();
  body.append(item.xmlField, new Blob([item.xml], { type: "text/xml" }), "submission.xml");
  for (const a of item.attachments) body.append(item.attachmentField || a.name, a.blob, a.name);
  let resp;
  try {
    resp = await fetch(item.submitUrl, { method: "POST", body, headers: item.headers, credentials: "same-origin" });
  } catch (e) {
    status("error", fbT("fill.js.unreachable"));
    return false;
  }
  if (resp.status === 201) {
    status("success", fbT("fill.js.sent"));
    return true;
  }
  const detail = await resp.text().then((t) => {
    try { return JSON.parse(t).detail || ""; } catch { return (t.match(/<text>([^<]*)<\/text>/) || [])[1] || ""; }
  }).catch(() => "");
  if (resp.status === 409) {
    status("error", fbT("fill.js.conflict", { Detail: detail }));
  } else if (resp.status === 401 || resp.status === 403) {
    status("error", fbT("fill.js.sign_in", { Detail: detail }));
  } else {
    status("error", fbT("fill.js.not_sent", { Status: resp.status, Detail: detail }));
  }
  return false;
}

async function onSubmit(payload, done) {
  if (payload.status !== "ready") {
    done({});
    return;
  }
  try {
    const item = await itemFrom(payload);
    if (window.fbOutbox) {
      await window.fbOutbox.enqueue(item);
      status("success", fbT("fill.js.saved"), { href: cfg.outboxUrl, text: fbT("fill.js.see_outbox") });
      followItem(item.instanceId);
      window.fbOutbox.flush();
      done({ next: POST_SUBMIT__NEW_INSTANCE });
      return;
    }
    const sent = await sendDirect(item);
    done(sent ? { next: POST_SUBMIT__NEW_INSTANCE } : {});
  } catch (e) {
    console.error(e);
    status("error", fbT("fill.js.not_saved", { Why: e && e.message ? e.message : e }));
    done({});
  }
}

// followItem turns "Saved on this device" into "Sent." once the outbox has the server's answer for the instance
// (the outbox tells every change with a fb:outbox event); a conflict or an error is left to the outbox page.
let following = null;
function followItem(instanceId) {
  if (typeof window.fbOutbox.list !== "function") return;
  if (following) window.removeEventListener("fb:outbox", following);
  following = () => {
    window.fbOutbox.list().then((items) => {
      const it = items.find((x) => x.instanceId === instanceId);
      if (it && it.state === "sent" && following) {
        window.removeEventListener("fb:outbox", following);
        following = null;
        status("success", fbT("fill.js.sent"));
      }
    }).catch(() => {});
  };
  window.addEventListener("fb:outbox", following);
  following();
}

// cacheForOffline asks the outbox to keep this form, its media and the page's files for use with no network.
function cacheForOffline() {
  if (!window.fbOutbox || !window.fbOutbox.cacheForm) return;
  const urls = [cfg.pageUrl, cfg.formUrl, ...Object.values(cfg.mediaUrls), ...assets];
  Promise.resolve(window.fbOutbox.cacheForm({ projectId: cfg.projectId, formId: cfg.formId,
    version: cfg.formVersion, urls, tasks: cfg.member, tiles: cfg.member })).then((r) => {
    // Tells (tests, and whoever looks) that this form now opens with no network.
    if (r && r.cache) document.documentElement.dataset.fillCached = r.cache;
  }).catch((e) => console.warn("offline cache", e));
}

// insecureNote says why "Get location" (and on some phones the camera) fails on a plain-HTTP address.
function insecureNote() {
  if (window.isSecureContext) return;
  const note = document.createElement("div");
  note.className = "alert fill-note";
  note.id = "fill-insecure";
  note.setAttribute("role", "status");
  const text = document.createElement("span");
  text.className = "alert-text";
  text.textContent = fbT("fill.js.insecure");
  note.append(text);
  statusEl.before(note);
}

async function main() {
  insecureNote();
  const mount = document.getElementById("odk-form");
  let xml;
  try {
    const resp = await fetch(cfg.formUrl, { credentials: "same-origin" });
    if (!resp.ok) throw new Error(fbT("fill.js.server_answered", { Status: resp.status }));
    xml = await resp.text();
  } catch (e) {
    mount.replaceChildren();
    status("error", fbT("fill.js.load_failed", { Why: e.message }));
    return;
  }
  xml = prefill(xml, cfg.prefill);
  const preload = cfg.username ? { username: cfg.username } : undefined;
  const app = createApp({
    render: () => h(OdkWebForm, { formXml: xml, fetchFormAttachment: fetchAttachment, missingResourceBehavior: "BLANK",
      preloadProperties: preload, trackDevice: true, onSubmit }),
  });
  app.use(webFormsPlugin);
  mount.replaceChildren();
  app.mount(mount);
  document.documentElement.dataset.fillReady = "1";
  // outbox.js is deferred, this module too: both have run by now, or outbox.js is absent.
  cacheForOffline();
}

main();
