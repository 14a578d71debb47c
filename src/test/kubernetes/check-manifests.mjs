#!/usr/bin/env node
// Checks tunxlat's Kubernetes manifests (packaging/kubernetes/*.yaml) offline, without a cluster:
//   1. every document against the Kubernetes OpenAPI schema: the model of its apiVersion and kind from the npm
//      package kubernetes-models (generated from Kubernetes' OpenAPI specification), whose validate() checks
//      types, required fields and formats (quantities, int32, ...);
//   2. no unknown field: the OpenAPI schema allows any extra key, while the API server refuses unknown fields
//      (kubectl's default --validate=strict); the document is type-checked as a TypeScript object literal
//      against kubernetes-models' own interfaces, so a misspelt field is an excess-property error;
//   3. rules of the API server and the kubelet that the schema cannot express, where the manifests use them:
//      names (RFC 1123), port names (IANA_SVC_NAME), a probe's port (a number, or the name of a port of its
//      container: a string of digits is neither), the selector matching the template's labels, mounts of
//      volumes that exist, a ConfigMap volume naming a ConfigMap of these files;
//   4. tunxlat's contract (docs/kubernetes.md): host networking, NET_ADMIN, /dev/net/tun, /healthz and /readyz
//      probes on the metrics port, Prometheus annotations, the configuration file read from the ConfigMap,
//      instance-name from the node's name, data-dir on a hostPath, metrics-listen reachable by the kubelet on
//      the metrics port, the masquerade covering pool4, memory for the JVM options, and workloads of the same
//      component with the same container.
//
// usage: node check-manifests.mjs --metrics-port PORT --work DIR FILE.yaml...
// Writes each ConfigMap's tunxlat.conf that a workload reads to DIR, and prints for each such workload one line
//   config EXTRACTED-FILE data-dir DIR-MOUNTED-FROM-A-HOSTPATH metrics-port PORT
// for the caller (KubernetesManifestsTest) to parse with tunxlat's own parser, and for a container whose command
// is a shell script that writes the configuration, the script to DIR and a line
//   script FILE flags SHELL-FLAGS nat44-sources NAT44_SOURCES|-
// for the caller to run with stand-ins for nft and tunxlat. Exit 0 and a summary on success;
// exit 1 and one "FILE:LINE: what is wrong" per problem otherwise.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import ts from 'typescript';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  if (i < 0) {
    return undefined;
  }
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
};
const metricsPort = Number(option('--metrics-port'));
const workDir = option('--work');
const files = args;
if (!Number.isInteger(metricsPort) || !workDir || files.length === 0) {
  console.error('usage: node check-manifests.mjs --metrics-port PORT --work DIR FILE.yaml...');
  process.exit(2);
}
fs.mkdirSync(workDir, { recursive: true });

const problems = [];
const MAX_PORT = 65535;
const CONTAINER = 'tunxlat';
const CONFIG_KEY = 'tunxlat.conf';

// ---- reading: every document with its file and a way to find a field's line ---------------------------------
const docs = [];
for (const file of files) {
  const text = fs.readFileSync(file, 'utf8');
  const lineCounter = new YAML.LineCounter();
  const parsed = YAML.parseAllDocuments(text, { lineCounter, uniqueKeys: true });
  for (const [i, doc] of parsed.entries()) {
    const lineOf = (pathArray) => {
      for (let p = [...pathArray]; ; p = p.slice(0, -1)) {
        const node = p.length ? doc.getIn(p, true) : doc.contents;
        if (node?.range) {
          return lineCounter.linePos(node.range[0]).line;
        }
        if (p.length === 0) {
          return 1;
        }
      }
    };
    const d = { file, index: i, doc, lineOf, value: undefined };
    d.problem = (pathArray, what) => problems.push(`${file}:${lineOf(pathArray)}: ${what}`);
    if (doc.errors.length) {
      for (const e of doc.errors) {
        problems.push(`${file}:${e.linePos?.[0]?.line ?? 1}: YAML: ${e.message.split('\n')[0]}`);
      }
      continue;
    }
    d.value = doc.toJS();
    if (d.value === null || d.value === undefined) {
      continue; // an empty document (a trailing ---)
    }
    docs.push(d);
  }
}
const label = (d) => `${d.value.kind ?? '?'} ${d.value.metadata?.name ?? '?'}`;

// ---- 1. the OpenAPI schema (kubernetes-models' validate()) -------------------------------------------------------
const models = [];
for (const d of docs) {
  const { apiVersion, kind } = d.value;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    d.problem([], 'a document without apiVersion and kind');
    continue;
  }
  const modulePath = path.join(here, 'node_modules/kubernetes-models', apiVersion, `${kind}.mjs`);
  if (!/^[a-z0-9.]*\/?v[0-9a-z]+$/.test(apiVersion) || !fs.existsSync(modulePath)) {
    d.problem(['kind'], `${apiVersion} ${kind}: not a kind of the Kubernetes API (kubernetes-models has no model for it)`);
    continue;
  }
  const Model = (await import(modulePath))[kind];
  try {
    new Model(d.value).validate();
  } catch (e) {
    for (const err of e.errors ?? [{ instancePath: '', message: e.message }]) {
      const p = err.instancePath.split('/').slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
      d.problem(p, `${label(d)}: schema: ${err.instancePath || '/'} ${err.message}`);
    }
  }
  models.push({ d, typeModule: modulePath.replace(/\.mjs$/, ''), kind });
}

// ---- 2. no unknown field (TypeScript's excess-property check against kubernetes-models' interfaces) ----------------
// The document is written as a TypeScript literal, one key per line; lineToPath maps each line back to the key.
{
  const lines = [];
  const lineToPath = [];
  const push = (text, where, p) => {
    lines.push(text);
    lineToPath.push({ where, p });
  };
  const emit = (value, p, where, indent) => {
    const pad = '  '.repeat(indent);
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    for (const [k, v] of entries) {
      const key = Array.isArray(value) ? '' : `${JSON.stringify(k)}: `;
      if (v !== null && typeof v === 'object') {
        push(`${pad}${key}${Array.isArray(v) ? '[' : '{'}`, where, [...p, k]);
        emit(v, [...p, k], where, indent + 1);
        push(`${pad}${Array.isArray(v) ? ']' : '}'},`, where, [...p, k]);
      } else {
        push(`${pad}${key}${JSON.stringify(v)},`, where, [...p, k]);
      }
    }
  };
  for (const [i, { d, typeModule, kind }] of models.entries()) {
    push(`import type { I${kind} as T${i} } from ${JSON.stringify(typeModule)};`, null, []);
    push(`export const doc${i}: T${i} = {`, d, []);
    emit(d.value, [], d, 1);
    push('};', d, []);
  }
  const generated = path.join(workDir, 'manifests.generated.ts');
  fs.writeFileSync(generated, lines.join('\n') + '\n');
  const program = ts.createProgram([generated], {
    strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10, types: [], lib: ['lib.es5.d.ts'],
  });
  for (const diag of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diag.messageText, ' ');
    const line = diag.file && diag.start !== undefined ? diag.file.getLineAndCharacterOfPosition(diag.start).line : -1;
    const at = lineToPath[line];
    if (at?.where) {
      at.where.problem(at.p, `${label(at.where)}: unknown field or wrong type: ${message}`);
    } else {
      problems.push(`${generated}:${line + 1}: ${message}`);
    }
  }
}

// ---- 3. the API server's and the kubelet's rules the schema leaves out -------------------------------------------
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// IANA_SVC_NAME (RFC 6335 section 5.1): 1-15 characters, lower case letters, digits and '-', at least one letter,
// no '-' at either end or twice in a row.
const isPortName = (s) => typeof s === 'string' && /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(s) && /[a-z]/.test(s)
  && !s.includes('--');
const configMaps = new Map(docs.filter((d) => d.value.kind === 'ConfigMap')
  .map((d) => [`${d.value.metadata?.namespace ?? 'default'}/${d.value.metadata?.name}`, d]));
const workloads = docs.filter((d) => ['DaemonSet', 'Deployment', 'StatefulSet'].includes(d.value.kind));

for (const d of docs) {
  const name = d.value.metadata?.name;
  const rule = d.value.kind === 'Namespace' ? DNS_LABEL : DNS_SUBDOMAIN;
  if (typeof name !== 'string' || !rule.test(name)) {
    d.problem(['metadata', 'name'], `${label(d)}: metadata.name "${name}" is not a valid name (RFC 1123: lower case letters, digits, '-'${rule === DNS_SUBDOMAIN ? ", '.'" : ''})`);
  }
}

/** The port a probe's httpGet or tcpSocket port means in container c, or null after reporting why it has none. */
function probePort(d, p, c, port) {
  if (Number.isInteger(port)) {
    if (port < 1 || port > MAX_PORT) {
      d.problem(p, `${label(d)}: port ${port} is not in 1-${MAX_PORT}`);
      return null;
    }
    return port;
  }
  if (!isPortName(port)) {
    d.problem(p, `${label(d)}: port ${JSON.stringify(port)} is neither a number nor a port name (IANA_SVC_NAME: `
      + `letters, digits and '-', at least one letter): the API server refuses it`);
    return null;
  }
  const named = (c.ports ?? []).find((q) => q.name === port);
  if (!named) {
    d.problem(p, `${label(d)}: port name "${port}" names no port of container ${c.name}: the kubelet's probe fails`);
    return null;
  }
  return named.containerPort;
}

for (const d of workloads) {
  const spec = d.value.spec ?? {};
  const pod = spec.template?.spec ?? {};
  const tp = ['spec', 'template', 'spec'];
  const selector = spec.selector?.matchLabels ?? {};
  const labels = spec.template?.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(selector)) {
    if (labels[k] !== v) {
      d.problem(['spec', 'selector'], `${label(d)}: selector ${k}=${v} does not match the template's labels: the API server refuses it`);
    }
  }
  const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  for (const [vi, v] of (pod.volumes ?? []).entries()) {
    if (v.configMap && !configMaps.has(`${d.value.metadata?.namespace ?? 'default'}/${v.configMap.name}`)) {
      d.problem([...tp, 'volumes', vi, 'configMap', 'name'], `${label(d)}: volume ${v.name}: no ConfigMap ${v.configMap.name} in namespace ${d.value.metadata?.namespace ?? 'default'} in these files`);
    }
  }
  for (const [ci, c] of (pod.containers ?? []).entries()) {
    const cp = [...tp, 'containers', ci];
    for (const [pi, port] of (c.ports ?? []).entries()) {
      if (port.name !== undefined && !isPortName(port.name)) {
        d.problem([...cp, 'ports', pi, 'name'], `${label(d)}: port name "${port.name}" is not an IANA_SVC_NAME`);
      }
      if (pod.hostNetwork === true && port.hostPort !== undefined && port.hostPort !== port.containerPort) {
        d.problem([...cp, 'ports', pi, 'hostPort'], `${label(d)}: with hostNetwork, hostPort must equal containerPort`);
      }
    }
    for (const [mi, m] of (c.volumeMounts ?? []).entries()) {
      if (!volumes.has(m.name)) {
        d.problem([...cp, 'volumeMounts', mi, 'name'], `${label(d)}: container ${c.name} mounts volume ${m.name}, which the pod does not have`);
      }
    }
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      for (const action of ['httpGet', 'tcpSocket']) {
        if (c[probe]?.[action]) {
          probePort(d, [...cp, probe, action, 'port'], c, c[probe][action].port);
        }
      }
    }
  }
}

// ---- 4. tunxlat's contract ----------------------------------------------------------------------------------
/** Lines of a tunxlat.conf as [directive, ...arguments], comments removed. */
const directives = (text) => text.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter((l) => l)
  .map((l) => l.split(/\s+/));
/** A Kubernetes quantity in bytes (the binary and decimal suffixes the manifests may use), NaN otherwise. */
const bytes = (q) => {
  const m = /^(\d+)(Ki|Mi|Gi|k|M|G)?$/.exec(String(q));
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, k: 1e3, M: 1e6, G: 1e9 };
  return m ? Number(m[1]) * (m[2] ? unit[m[2]] : 1) : NaN;
};
const MIB = 1024 ** 2;
const JVM_OVERHEAD = 192 * MIB; // metaspace, code cache, thread stacks, GC structures: measured about 120 MiB
const containerSpecs = new Map(); // component label -> [workload, JSON of its containers and volumes]
let configs = 0;

for (const d of workloads) {
  const pod = d.value.spec?.template?.spec ?? {};
  const tp = ['spec', 'template', 'spec'];
  const ci = (pod.containers ?? []).findIndex((c) => c.name === CONTAINER);
  if (ci < 0) {
    d.problem([...tp, 'containers'], `${label(d)}: no container named ${CONTAINER}`);
    continue;
  }
  const c = pod.containers[ci];
  const cp = [...tp, 'containers', ci];
  const mountOf = (p) => (c.volumeMounts ?? []).filter((m) => p === m.mountPath || p.startsWith(`${m.mountPath}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  const volumeOf = (m) => (pod.volumes ?? []).find((v) => v.name === m?.name);

  if (pod.hostNetwork !== true) {
    d.problem([...tp, 'hostNetwork'], `${label(d)}: hostNetwork must be true: the TUN device and its routes are the node's`);
  }
  const add = c.securityContext?.capabilities?.add ?? [];
  if (!add.includes('NET_ADMIN')) {
    d.problem([...cp, 'securityContext'], `${label(d)}: the container needs the capability NET_ADMIN (the TUN device, ip, nft)`);
  }
  for (const cap of add.filter((x) => !['NET_ADMIN', 'NET_RAW'].includes(x))) {
    d.problem([...cp, 'securityContext', 'capabilities', 'add'], `${label(d)}: capability ${cap} is more than tunxlat needs (NET_ADMIN, and NET_RAW for the readiness self-test)`);
  }
  if (c.securityContext?.privileged === true) {
    d.problem([...cp, 'securityContext', 'privileged'], `${label(d)}: privileged is not needed (NET_ADMIN and /dev/net/tun are)`);
  }
  const tun = volumeOf(mountOf('/dev/net/tun'));
  if (mountOf('/dev/net/tun')?.mountPath !== '/dev/net/tun' || tun?.hostPath?.path !== '/dev/net/tun') {
    d.problem([...cp, 'volumeMounts'], `${label(d)}: /dev/net/tun must be mounted from the node (a hostPath volume of /dev/net/tun)`);
  }

  // the probes: /healthz and /readyz (docs/health.md) on the metrics port
  const probes = { livenessProbe: '/healthz', readinessProbe: '/readyz', startupProbe: '/healthz' };
  for (const [probe, wanted] of Object.entries(probes)) {
    const h = c[probe]?.httpGet;
    if (!h) {
      if (probe !== 'startupProbe') {
        d.problem([...cp, probe], `${label(d)}: ${probe} must be an httpGet of ${wanted} on the metrics port`);
      }
      continue;
    }
    if (h.path !== wanted) {
      d.problem([...cp, probe, 'httpGet', 'path'], `${label(d)}: ${probe} asks ${h.path}, tunxlat's endpoint is ${wanted}`);
    }
    const port = probePort({ value: {}, problem: () => {} }, [], c, h.port); // reported by the rules above when wrong
    if (port !== null && port !== metricsPort) {
      d.problem([...cp, probe, 'httpGet', 'port'], `${label(d)}: ${probe} on port ${port}, the metrics port is ${metricsPort}`);
    }
  }
  const ann = d.value.spec?.template?.metadata?.annotations ?? {};
  const ap = ['spec', 'template', 'metadata', 'annotations'];
  if (ann['prometheus.io/scrape'] !== 'true' || ann['prometheus.io/port'] !== String(metricsPort)
      || ann['prometheus.io/path'] !== '/metrics') {
    d.problem(ap, `${label(d)}: the pod needs the annotations prometheus.io/scrape "true", prometheus.io/port "${metricsPort}", prometheus.io/path /metrics`);
  }

  // the configuration file: tunxlat run -c FILE, FILE a ConfigMap's key or written by the script from one
  const script = [...(c.command ?? []), ...(c.args ?? [])].join('\n');
  const run = /tunxlat\s+run\b[^\n]*?\s(?:-c|--config)[\s=](\S+)/.exec(script);
  if (!run) {
    d.problem([...cp, 'args'], `${label(d)}: the container does not run "tunxlat run -c FILE"`);
    continue;
  }
  const configPath = run[1];
  const written = new RegExp(`>\\s*${configPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s|$)`).test(script);
  const sources = mountOf(configPath) && volumeOf(mountOf(configPath))?.configMap ? [configPath]
    : [...script.matchAll(/(?:^|\s)(\/[^\s;|&>)"']+)/g)].map((m) => m[1])
      .filter((p) => p !== configPath && volumeOf(mountOf(p))?.configMap);
  if (sources.length === 0 || (sources[0] !== configPath && !written)) {
    d.problem([...cp, 'args'], `${label(d)}: the configuration file ${configPath} is neither a ConfigMap's file nor written from one by the container's command`);
    continue;
  }
  const envOf = (n) => (c.env ?? []).find((e) => e.name === n);
  if (sources[0] !== configPath) {
    // instance-name from the node's name: the downward API's spec.nodeName in an environment variable
    const inst = /instance-name[^\n]*\$\{?([A-Za-z_][A-Za-z0-9_]*)/.exec(script);
    if (!inst || envOf(inst[1])?.valueFrom?.fieldRef?.fieldPath !== 'spec.nodeName') {
      d.problem([...cp, 'args'], `${label(d)}: the generated ${configPath} must add "instance-name" from an environment variable set to the node's name (valueFrom.fieldRef.fieldPath: spec.nodeName)`);
    }
  }
  for (const source of sources) {
    const m = mountOf(source);
    const v = volumeOf(m);
    const rel = path.posix.relative(m.mountPath, source);
    const item = v.configMap.items?.find((it) => it.path === rel);
    const key = v.configMap.items ? item?.key : rel;
    const cm = configMaps.get(`${d.value.metadata?.namespace ?? 'default'}/${v.configMap.name}`);
    if (!cm) {
      continue; // reported with the volume
    }
    const text = cm.value.data?.[key];
    if (key === undefined || text === undefined) {
      d.problem([...cp, 'args'], `${label(d)}: ${source}: ConfigMap ${v.configMap.name} has no key ${key ?? rel} (mounted at ${m.mountPath})`);
      continue;
    }
    if (key !== CONFIG_KEY) {
      cm.problem(['data'], `${label(cm)}: tunxlat's configuration is expected under the key ${CONFIG_KEY}, not ${key}`);
    }
    const conf = directives(text);
    const confLine = (dir) => conf.find((l) => l[0] === dir);
    // a problem of the file at its directive's line: the block scalar's text starts on the line after its key
    const confProblem = (dir, what) => {
      const at = text.split('\n').findIndex((l) => l.replace(/#.*/, '').trim().split(/\s+/)[0] === dir);
      problems.push(`${cm.file}:${cm.lineOf(['data', key]) + 1 + Math.max(at, 0)}: ${label(cm)}: ${key}: ${what}`);
    };
    const listen = confLine('metrics-listen')?.[1];
    const lm = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(listen ?? '');
    if (!lm || Number(lm[2]) !== metricsPort) {
      confProblem('metrics-listen', `metrics-listen ${listen ?? '(default 127.0.0.1)'} must listen on port ${metricsPort}, where the probes and Prometheus ask`);
    } else if (/^(127\.|\[::1\]|localhost)/.test(lm[1])) {
      confProblem('metrics-listen', `metrics-listen ${listen} is a loopback address: the kubelet probes the node's address ([::]:${metricsPort} listens on all)`);
    }
    if (confLine('instance-name') && sources[0] !== configPath) {
      confProblem('instance-name', `instance-name is added by the pod from the node's name; set here it is given twice`);
    }
    const dataDir = confLine('data-dir')?.[1];
    const dm = dataDir ? mountOf(dataDir) : undefined;
    if (!dataDir || dm?.mountPath !== dataDir || !volumeOf(dm)?.hostPath) {
      d.problem([...cp, 'volumeMounts'], `${label(d)}: data-dir ${dataDir ?? '(none)'} of ${key} must be a hostPath volume mounted there, so that the NAT64 state survives a pod restart`);
    }
    const pool4 = conf.filter((l) => l[0] === 'pool4').map((l) => l[1]).sort();
    const nat44 = envOf('NAT44_SOURCES');
    const sourcesList = (nat44?.value ?? '').split(',').map((s) => s.trim()).filter((s) => s).sort();
    if (nat44 && sourcesList.length && sourcesList.join(',') !== pool4.join(',')) {
      d.problem([...cp, 'env'], `${label(d)}: NAT44_SOURCES ${nat44.value} is not the pool4 of ${key} (${pool4.join(',') || 'none'})`);
    }
    const out = path.join(workDir, `${v.configMap.name}.${key}`);
    fs.writeFileSync(out, text);
    console.log(`config ${out} data-dir ${dataDir ?? '-'} metrics-port ${metricsPort}`);
    configs++;
  }
  // the container's shell script, for the caller to run with stand-ins for nft and tunxlat
  if (sources[0] !== configPath && c.command?.[0] === '/bin/sh' && c.args?.length === 1) {
    const file = path.join(workDir, `${d.value.kind}-${d.value.metadata?.name}.sh`);
    fs.writeFileSync(file, c.args[0]);
    console.log(`script ${file} flags ${c.command.slice(1).join(' ')} nat44-sources ${envOf('NAT44_SOURCES')?.value || '-'}`);
  }

  // memory for the JVM: -Xmx of heap, as much direct memory (the JVM's default), and the JVM's own
  const xmx = /-Xmx(\d+[kKmMgG])/.exec(envOf('JAVA_OPTS')?.value ?? '')?.[1];
  const limit = bytes(c.resources?.limits?.memory);
  if (!xmx) {
    d.problem([...cp, 'env'], `${label(d)}: JAVA_OPTS should set -Xmx (as /etc/default/tunxlat does), or the JVM takes a quarter of the limit`);
  } else {
    const heap = bytes(xmx.replace(/[kK]$/, 'Ki').replace(/[mM]$/, 'Mi').replace(/[gG]$/, 'Gi'));
    if (!(limit >= 2 * heap + JVM_OVERHEAD)) {
      d.problem([...cp, 'resources'], `${label(d)}: memory limit ${c.resources?.limits?.memory ?? '(none)'} is below 2 x -Xmx${xmx} + ${JVM_OVERHEAD / MIB}Mi (heap, direct memory, the JVM): the kernel would kill it`);
    }
  }

  // workloads of the same component run the same container (the Deployment variant of the DaemonSet)
  const component = d.value.spec?.template?.metadata?.labels?.['app.kubernetes.io/component'];
  const same = JSON.stringify({ containers: pod.containers, volumes: pod.volumes, hostNetwork: pod.hostNetwork });
  const other = containerSpecs.get(component);
  if (other && other[1] !== same) {
    d.problem([...tp, 'containers'], `${label(d)}: its containers or volumes differ from ${label(other[0])}'s (${other[0].file}): keep the variants in step`);
  } else if (!other) {
    containerSpecs.set(component, [d, same]);
  }
}
if (workloads.length === 0) {
  problems.push(`${files.join(' ')}: no DaemonSet or Deployment`);
}

// ---- report -----------------------------------------------------------------------------------------------
if (problems.length) {
  console.log(`${problems.length} problem(s)`);
  for (const p of problems) {
    console.log(`- ${p}`);
  }
  process.exit(1);
}
const pkg = JSON.parse(fs.readFileSync(path.join(here, 'node_modules/kubernetes-models/package.json'), 'utf8'));
console.log(`OK: ${docs.length} documents (${docs.map(label).join(', ')}) in ${files.length} files, ${configs} configuration(s); `
  + `checked with kubernetes-models ${pkg.version} and TypeScript ${ts.version}`);
