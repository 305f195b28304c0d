import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  clinicalConfigFrom,
  DEFAULT_CLINICAL_CONFIG,
  DEFAULT_THRESHOLDS,
} from '../../cds-services/b12/index.js';
import { trustedClientsFrom } from '../../src/http/auth/trusted-clients.js';
import { CONFIG_VARIABLES, loadConfig } from '../../src/main/config.js';

/**
 * The container image (Dockerfile, .dockerignore) and the Kubernetes manifests (deploy/). No image
 * is built and no cluster is contacted: the files are parsed and checked against the code they
 * configure (src/main/config.ts, the clinical configuration, the trusted-clients parser).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEPLOY = join(ROOT, 'deploy');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

function must<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`missing: ${what}`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes manifests: the subset of each kind these tests read

interface Metadata {
  name: string;
  labels?: Record<string, string>;
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
}
interface Probe {
  httpGet?: { path?: string; port?: number | string };
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type?: string };
}
interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command?: string[] }; sleep?: { seconds?: number } } };
  resources?: {
    requests?: { cpu?: string | number; memory?: string };
    limits?: { cpu?: string | number; memory?: string };
  };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface KeyToPath {
  key: string;
  path: string;
}
interface Volume {
  name: string;
  secret?: { secretName: string; defaultMode?: number; items?: KeyToPath[] };
  configMap?: { name: string; defaultMode?: number; items?: KeyToPath[] };
  emptyDir?: { sizeLimit?: string; medium?: string };
}
interface Deployment extends Manifest {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    strategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string } };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        terminationGracePeriodSeconds?: number;
        securityContext?: SecurityContext & { fsGroup?: number };
        containers: Container[];
        volumes?: Volume[];
      };
    };
  };
}
interface Service extends Manifest {
  spec: {
    selector: Record<string, string>;
    ports: { port: number; targetPort?: number | string }[];
  };
}
interface Hpa extends Manifest {
  spec: {
    scaleTargetRef: { apiVersion: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: {
      type: string;
      resource?: { name: string; target: { type: string; averageUtilization?: number } };
    }[];
  };
}
interface Pdb extends Manifest {
  spec: {
    selector: { matchLabels: Record<string, string> };
    minAvailable?: number | string;
    maxUnavailable?: number | string;
  };
}
interface DataHolder extends Manifest {
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
interface Kustomization {
  resources?: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
}

/** Every YAML document of a file; a document with a syntax error fails the caller. */
function parseYaml(file: string): { value: unknown; errors: string[] }[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => ({
    value: doc.toJS() as unknown,
    errors: doc.errors.map((error) => error.message),
  }));
}

const manifestFiles = readdirSync(DEPLOY)
  .filter((file) => /\.ya?ml$/.test(file) && file !== 'kustomization.yaml')
  .sort();
const parsedManifests = manifestFiles.flatMap((file) =>
  parseYaml(join(DEPLOY, file)).map((doc) => ({ file, ...doc })),
);
const manifests = parsedManifests
  .map((doc) => doc.value)
  .filter((value): value is Manifest => typeof value === 'object' && value !== null);
const kustomization = must(
  parseYaml(join(DEPLOY, 'kustomization.yaml'))[0]?.value as Kustomization | undefined,
  'deploy/kustomization.yaml',
);

interface Kinds {
  Deployment: Deployment;
  Service: Service;
  HorizontalPodAutoscaler: Hpa;
  PodDisruptionBudget: Pdb;
}

function only<K extends keyof Kinds>(kind: K): Kinds[K] {
  const found = manifests.filter((manifest) => manifest.kind === kind);
  expect(
    found.map((manifest) => manifest.metadata.name),
    `exactly one ${kind}`,
  ).toHaveLength(1);
  return found[0] as Kinds[K];
}
const deployment = (): Deployment => only('Deployment');
const container = (): Container => must(deployment().spec.template.spec.containers[0], 'container');
const podLabels = (): Record<string, string> => deployment().spec.template.metadata.labels;
const env = (): EnvVar[] => container().env ?? [];
const envValue = (name: string): string | undefined =>
  env().find((variable) => variable.name === name)?.value;
function dataHolder(kind: 'Secret' | 'ConfigMap', name: string): DataHolder {
  const found: DataHolder | undefined = manifests.find(
    (manifest) => manifest.kind === kind && manifest.metadata.name === name,
  );
  return must(found, `${kind} ${name}`);
}

/** A key of a Secret or ConfigMap, as the pod sees it (Secret `data` is base64). */
function keyContent(holder: DataHolder, key: string): string | undefined {
  const plain =
    holder.stringData?.[key] ?? (holder.kind === 'ConfigMap' ? holder.data?.[key] : undefined);
  if (plain !== undefined) return plain;
  const encoded = holder.data?.[key];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}

/** The container port a probe or Service names (by number, or by the port's name). */
function containerPortOf(port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return port;
  return container().ports?.find((candidate) => candidate.name === port)?.containerPort;
}
const listeningPort = (): number => must(container().ports?.[0]?.containerPort, 'containerPort');

/** The Secret or ConfigMap key a file path inside the container comes from, if any. */
function mountedFile(
  path: string,
): { holder: DataHolder; key: string; readOnly: boolean } | undefined {
  for (const mount of container().volumeMounts ?? []) {
    const prefix = `${mount.mountPath.replace(/\/+$/, '')}/`;
    if (!path.startsWith(prefix)) continue;
    const volume = deployment().spec.template.spec.volumes?.find((v) => v.name === mount.name);
    const source = volume?.secret ?? volume?.configMap;
    if (!volume || !source) continue;
    const holder = volume.secret
      ? dataHolder('Secret', volume.secret.secretName)
      : dataHolder('ConfigMap', must(volume.configMap, 'configMap').name);
    const inside = path.slice(prefix.length);
    const key = source.items ? source.items.find((item) => item.path === inside)?.key : inside;
    if (key !== undefined) return { holder, key, readOnly: mount.readOnly === true };
  }
  return undefined;
}

/**
 * The environment the container starts with, with Secret references resolved and every mounted
 * file written to a temporary directory (its path rewritten), ready for `loadConfig`.
 */
function containerEnvironment(): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'b12-deploy-'));
  const result: NodeJS.ProcessEnv = {};
  for (const variable of env()) {
    const ref = variable.valueFrom?.secretKeyRef;
    let value = ref ? keyContent(dataHolder('Secret', ref.name), ref.key) : variable.value;
    const file = value === undefined ? undefined : mountedFile(value);
    if (value !== undefined && file) {
      const local = join(dir, value);
      mkdirSync(dirname(local), { recursive: true });
      writeFileSync(local, must(keyContent(file.holder, file.key), file.key));
      value = local;
    }
    result[variable.name] = value;
  }
  return result;
}

const BINARY_UNITS: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };
const DECIMAL_UNITS: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9 };
function bytes(quantity: string | undefined): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(must(quantity, 'memory quantity'));
  if (!match) throw new Error(`unreadable memory quantity ${String(quantity)}`);
  const unit = match[2];
  return Number(match[1]) * (unit ? (BINARY_UNITS[unit] ?? DECIMAL_UNITS[unit] ?? 1) : 1);
}
function millicores(quantity: string | number | undefined): number {
  const value = must(quantity, 'cpu quantity');
  if (typeof value === 'number') return value * 1000;
  return value.endsWith('m') ? Number(value.slice(0, -1)) : Number(value) * 1000;
}
const MiB = 2 ** 20;

/** `sleep N` in a preStop hook (exec or the native sleep action), in seconds; 0 without one. */
function preStopSeconds(): number {
  const preStop = container().lifecycle?.preStop;
  if (preStop?.sleep?.seconds !== undefined) return preStop.sleep.seconds;
  const command = preStop?.exec?.command ?? [];
  return command[0] === 'sleep' ? Number(command[1]) : 0;
}

/** The shutdown grace src/main/server.ts gives in-flight calls before it exits, in seconds. */
function serviceShutdownGraceSeconds(): number {
  const match = /const SHUTDOWN_GRACE_MS = ([\d_]+);/.exec(read('src/main/server.ts'));
  return (
    Number(must(match?.[1], 'SHUTDOWN_GRACE_MS in src/main/server.ts').replaceAll('_', '')) / 1000
  );
}

const isSubset = (labels: Record<string, string>, of: Record<string, string>): boolean =>
  Object.keys(labels).length > 0 &&
  Object.entries(labels).every(([key, value]) => of[key] === value);

describe('deploy/: the Kubernetes manifests', () => {
  it('parse as YAML without errors, and each document names its apiVersion, kind and name', () => {
    expect(manifestFiles.length).toBeGreaterThan(0);
    for (const doc of parsedManifests) expect(doc.errors, doc.file).toEqual([]);
    for (const manifest of manifests) {
      expect(manifest.apiVersion).toEqual(expect.any(String));
      expect(manifest.kind).toEqual(expect.any(String));
      expect(manifest.metadata.name).toEqual(expect.any(String));
    }
  });

  it('hold a Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget, ConfigMap and two Secrets', () => {
    const kinds = manifests.map((manifest) => manifest.kind).sort();
    expect(kinds).toEqual(
      expect.arrayContaining([
        'ConfigMap',
        'Deployment',
        'HorizontalPodAutoscaler',
        'PodDisruptionBudget',
        'Secret',
        'Service',
      ]),
    );
    expect(kinds.filter((kind) => kind === 'Secret')).toHaveLength(2);
    expect(only('HorizontalPodAutoscaler').apiVersion).toBe('autoscaling/v2');
    expect(only('PodDisruptionBudget').apiVersion).toBe('policy/v1');
  });

  it('kustomization.yaml lists every manifest file in deploy/, and only those', () => {
    expect([...(kustomization.resources ?? [])].sort()).toEqual(manifestFiles);
  });

  it('kustomization.yaml rewrites the image the Deployment runs', () => {
    const imageName = container().image.replace(/[:@].*$/, '');
    expect(kustomization.images?.map((image) => image.name)).toContain(imageName);
  });

  it("selects the Deployment's own pods from the Deployment, the Service and the PodDisruptionBudget", () => {
    expect(isSubset(deployment().spec.selector.matchLabels, podLabels())).toBe(true);
    expect(isSubset(only('Service').spec.selector, podLabels())).toBe(true);
    expect(isSubset(only('PodDisruptionBudget').spec.selector.matchLabels, podLabels())).toBe(true);
  });

  it('routes the Service to the port the service listens on (PORT)', () => {
    const service = only('Service');
    for (const port of service.spec.ports) {
      expect(containerPortOf(port.targetPort ?? port.port)).toBe(listeningPort());
    }
    expect(loadConfig(containerEnvironment()).port).toBe(listeningPort());
  });

  it('runs at least 2 replicas and rolls out without ever taking a ready pod away', () => {
    expect(deployment().spec.replicas).toBeGreaterThanOrEqual(2);
    expect(deployment().spec.strategy?.type ?? 'RollingUpdate').toBe('RollingUpdate');
    expect(deployment().spec.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
  });

  it('probes startup and liveness with GET /healthz (the process) and readiness with GET /readyz (the feedback store), on the container port', () => {
    const paths = {
      startupProbe: '/healthz',
      livenessProbe: '/healthz',
      readinessProbe: '/readyz',
    };
    for (const [probe, path] of Object.entries(paths) as [keyof typeof paths, string][]) {
      const httpGet = must(container()[probe]?.httpGet, `${probe}.httpGet`);
      expect(httpGet.path, probe).toBe(path);
      expect(containerPortOf(httpGet.port), probe).toBe(listeningPort());
    }
  });

  it('allows at least 30 s to start, checks readiness more often than liveness, and tolerates one slow check', () => {
    const startup = must(container().startupProbe, 'startupProbe');
    const readiness = must(container().readinessProbe, 'readinessProbe');
    const liveness = must(container().livenessProbe, 'livenessProbe');
    // Kubernetes defaults: period 10 s, timeout 1 s, failure threshold 3.
    expect((startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3)).toBeGreaterThanOrEqual(
      30,
    );
    expect(readiness.periodSeconds ?? 10).toBeLessThanOrEqual(liveness.periodSeconds ?? 10);
    expect(liveness.timeoutSeconds ?? 1).toBeGreaterThanOrEqual(2);
    expect(liveness.failureThreshold ?? 3).toBeGreaterThanOrEqual(2);
  });

  it("gives pods longer to stop than the preStop pause plus the service's own shutdown grace", () => {
    const grace = deployment().spec.template.spec.terminationGracePeriodSeconds ?? 30;
    expect(serviceShutdownGraceSeconds()).toBeGreaterThan(0);
    expect(grace).toBeGreaterThan(preStopSeconds() + serviceShutdownGraceSeconds());
  });

  it('requests and limits CPU and memory, with room for ~300 MB RSS plus large request bodies in flight', () => {
    const { requests, limits } = must(container().resources, 'resources');
    const bodyLimit = loadConfig(containerEnvironment()).bodyLimitBytes;
    // docs/performance.md: RSS settles near 300 MB under load. A request in flight holds its body
    // several times over (raw bytes, string, parsed tree, facts): about 5 × its size.
    const rssUnderLoad = 300 * MiB;
    const inFlight = 5 * bodyLimit;
    expect(bytes(requests?.memory)).toBeGreaterThanOrEqual(rssUnderLoad + 2 * inFlight);
    expect(bytes(limits?.memory)).toBeGreaterThanOrEqual(rssUnderLoad + 8 * inFlight);
    expect(bytes(limits?.memory)).toBeGreaterThanOrEqual(bytes(requests?.memory));
    expect(millicores(requests?.cpu)).toBeGreaterThan(0);
    expect(millicores(limits?.cpu)).toBeGreaterThanOrEqual(millicores(requests?.cpu));
  });

  it('runs as the non-root UID of the image, read-only, without privilege escalation or capabilities, under RuntimeDefault seccomp', () => {
    const pod = deployment().spec.template.spec.securityContext ?? {};
    const own = must(container().securityContext, 'container securityContext');
    const uid = imageUser().uid;
    expect(own.runAsNonRoot ?? pod.runAsNonRoot).toBe(true);
    expect(own.runAsUser ?? pod.runAsUser).toBe(uid);
    expect(own.allowPrivilegeEscalation).toBe(false);
    expect(own.readOnlyRootFilesystem).toBe(true);
    expect(own.capabilities?.drop).toContain('ALL');
    expect(own.capabilities?.add ?? []).toEqual([]);
    expect((own.seccompProfile ?? pod.seccompProfile)?.type).toBe('RuntimeDefault');
  });

  it('mounts a writable emptyDir at /tmp, the only scratch space on the read-only root filesystem', () => {
    const mount = container().volumeMounts?.find((candidate) => candidate.mountPath === '/tmp');
    const volume = deployment().spec.template.spec.volumes?.find((v) => v.name === mount?.name);
    expect(mount?.readOnly ?? false).toBe(false);
    expect(volume?.emptyDir).toBeDefined();
  });

  it('sets only environment variables that src/main/config.ts reads', () => {
    const names = env().map((variable) => variable.name);
    expect(names.filter((name) => !CONFIG_VARIABLES.includes(name))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
  });

  it('runs in production with client authentication required, and sets the deployment-specific variables', () => {
    expect(envValue('NODE_ENV')).toBe('production');
    expect(envValue('CDS_AUTH')).toBe('required');
    const names = env().map((variable) => variable.name);
    for (const name of [
      'CDS_PUBLIC_URL',
      'CDS_TRUSTED_CLIENTS',
      'CDS_CLINICAL_CONFIG',
      'DATABASE_URL',
      'LOG_LEVEL',
    ]) {
      expect(names).toContain(name);
    }
  });

  it('points CDS_TRUSTED_CLIENTS at the mounted Secret file and CDS_CLINICAL_CONFIG at the mounted ConfigMap file', () => {
    const clients = mountedFile(must(envValue('CDS_TRUSTED_CLIENTS'), 'CDS_TRUSTED_CLIENTS'));
    const clinical = mountedFile(must(envValue('CDS_CLINICAL_CONFIG'), 'CDS_CLINICAL_CONFIG'));
    expect(clients?.holder.kind).toBe('Secret');
    expect(clinical?.holder.kind).toBe('ConfigMap');
    for (const file of [clients, clinical]) {
      expect(file?.readOnly).toBe(true);
      expect(keyContent(must(file, 'mounted file').holder, must(file, 'mounted file').key)).toEqual(
        expect.any(String),
      );
    }
  });

  it('mounts the trusted-clients Secret readable by the service group only (no "other" bits)', () => {
    const volume = deployment().spec.template.spec.volumes?.find(
      (candidate) => candidate.secret !== undefined,
    );
    const mode = volume?.secret?.defaultMode ?? 0o644;
    expect(mode & 0o007).toBe(0);
    expect(deployment().spec.template.spec.securityContext?.fsGroup).toBe(imageUser().gid);
  });

  it('takes DATABASE_URL from a key of the database Secret', () => {
    const variable = env().find((candidate) => candidate.name === 'DATABASE_URL');
    const ref = must(variable?.valueFrom?.secretKeyRef, 'DATABASE_URL secretKeyRef');
    expect(variable?.value).toBeUndefined();
    expect(keyContent(dataHolder('Secret', ref.name), ref.key)).toMatch(/^postgres(ql)?:\/\//);
  });

  it("passes the service's own start-up validation: production, authentication required, https-only FHIR, no demo page", () => {
    const config = loadConfig(containerEnvironment());
    expect(config.nodeEnv).toBe('production');
    expect(config.auth).toBe('required');
    expect(config.fhir.allowHttp).toBe(false);
    expect(config.demoPage).toBe(false);
    expect(config.publicUrl).toMatch(/^https:\/\//);
    expect(config.feedback.databaseUrl).toBeDefined();
  });

  it("holds a clinical configuration that clinicalConfigFrom accepts, spelled out at the rule book's defaults", () => {
    const path = must(envValue('CDS_CLINICAL_CONFIG'), 'CDS_CLINICAL_CONFIG');
    const file = must(mountedFile(path), 'clinical configuration mount');
    const json = JSON.parse(must(keyContent(file.holder, file.key), file.key)) as {
      thresholds?: Record<string, number>;
    };
    expect(clinicalConfigFrom(json)).toEqual(DEFAULT_CLINICAL_CONFIG);
    // Every threshold written out, so the committee reviews each value where it is deployed.
    expect(Object.keys(json.thresholds ?? {}).sort()).toEqual(
      Object.keys(DEFAULT_THRESHOLDS).sort(),
    );
  });

  it('holds a trusted-clients placeholder the parser accepts, and never trusts the public CDS Hooks Sandbox', () => {
    const path = must(envValue('CDS_TRUSTED_CLIENTS'), 'CDS_TRUSTED_CLIENTS');
    const file = must(mountedFile(path), 'trusted-clients mount');
    const content = must(keyContent(file.holder, file.key), file.key);
    const clients = trustedClientsFrom(JSON.parse(content));
    expect(clients.size).toBeGreaterThan(0);
    // The sandbox's private key is public: its tokens prove nothing (config/trusted-clients.example.json).
    expect(content).not.toContain('sandbox.cds-hooks.org');
    expect(content).not.toContain('44823f3d-0b01-4a6c-a80e-b9d3e8a7226f');
    expect(content).toContain('PLACEHOLDER');
  });

  it('scales the Deployment on CPU utilisation, from at least 2 replicas upwards', () => {
    const hpa = only('HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment().metadata.name,
    });
    expect(hpa.spec.minReplicas ?? 1).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas ?? 1);
    const cpu = hpa.spec.metrics?.find((metric) => metric.resource?.name === 'cpu');
    expect(cpu?.type).toBe('Resource');
    expect(cpu?.resource?.target.type).toBe('Utilization');
    expect(cpu?.resource?.target.averageUtilization).toBeGreaterThan(0);
    // Utilisation is measured against the request, so the request must exist.
    expect(millicores(container().resources?.requests?.cpu)).toBeGreaterThan(0);
  });

  it('lets a node drain evict one pod at a time, never every pod', () => {
    const { minAvailable, maxUnavailable } = only('PodDisruptionBudget').spec;
    const minReplicas = only('HorizontalPodAutoscaler').spec.minReplicas ?? 1;
    if (maxUnavailable !== undefined) {
      expect(maxUnavailable).toBe(1);
    } else {
      expect(typeof minAvailable).toBe('number');
      expect(minAvailable).toBeGreaterThanOrEqual(1);
      expect(minAvailable).toBeLessThan(minReplicas);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Dockerfile

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Instructions in order: continuation lines joined, comments (and parser directives) dropped. */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const whole = `${pending}${line}`.trim();
    pending = '';
    if (whole === '') continue;
    const match = /^(\S+)\s*(.*)$/.exec(whole);
    if (match?.[1]) instructions.push({ keyword: match[1].toUpperCase(), args: match[2] ?? '' });
  }
  return instructions;
}

function stagesOf(instructions: Instruction[]): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/).filter((word) => !word.startsWith('--'));
      const as = words.findIndex((word) => word.toUpperCase() === 'AS');
      stages.push({
        image: must(words[0], 'FROM image'),
        name: as >= 0 ? words[as + 1] : undefined,
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

const dockerfile = stagesOf(parseDockerfile(read('Dockerfile')));
const buildStage = (): Stage => must(dockerfile[0], 'build stage');
const runtimeStage = (): Stage => must(dockerfile.at(-1), 'runtime stage');
const args = (stage: Stage, keyword: string): string[] =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

/** ENV in both forms (`ENV A=1 B=2` and `ENV A 1`), later values winning. */
function envOf(stage: Stage): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of args(stage, 'ENV')) {
    if (/^\S+=/.test(line)) {
      for (const match of line.matchAll(/(\S+?)=("[^"]*"|\S*)/g)) {
        vars[must(match[1], 'ENV name')] = (match[2] ?? '').replace(/^"|"$/g, '');
      }
    } else {
      const [name, ...rest] = line.split(/\s+/);
      vars[must(name, 'ENV name')] = rest.join(' ');
    }
  }
  return vars;
}

interface Copy {
  from: string | undefined;
  sources: string[];
  destination: string;
}
function copiesOf(stage: Stage): Copy[] {
  return [...args(stage, 'COPY'), ...args(stage, 'ADD')].map((line) => {
    const words = line.split(/\s+/);
    const flags = words.filter((word) => word.startsWith('--'));
    const paths = words.filter((word) => !word.startsWith('--'));
    return {
      from: flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length),
      sources: paths.slice(0, -1),
      destination: must(paths.at(-1), 'COPY destination'),
    };
  });
}

/** The final USER as numbers; a name (not verifiable by runAsNonRoot) fails. */
function imageUser(): { uid: number; gid: number | undefined } {
  const user = must(args(runtimeStage(), 'USER').at(-1), 'USER');
  const match = /^(\d+)(?::(\d+))?$/.exec(user);
  if (!match) throw new Error(`USER ${user} is not numeric`);
  return { uid: Number(match[1]), gid: match[2] === undefined ? undefined : Number(match[2]) };
}

/** .dockerignore as Docker reads it: the last matching rule wins; a matched directory takes its contents. */
function dockerignore(text: string): (path: string) => boolean {
  const toRegex = (pattern: string): RegExp =>
    new RegExp(
      `^${pattern
        .split(/(\*\*\/|\*\*|\*|\?)/)
        .map((part) => {
          if (part === '**/') return '(?:.*/)?';
          if (part === '**') return '.*';
          if (part === '*') return '[^/]*';
          if (part === '?') return '[^/]';
          return part.replace(/[.+^${}()|[\]\\]/g, '\\$&');
        })
        .join('')}$`,
    );
  const rules = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = posix.normalize((negate ? line.slice(1) : line).replace(/^\/+/, ''));
      return { negate, regex: toRegex(pattern.replace(/\/+$/, '')) };
    });
  return (path) => {
    const parts = path.split('/');
    const selfAndParents = parts.map((_, index) => parts.slice(0, index + 1).join('/'));
    let ignored = false;
    for (const rule of rules) {
      if (selfAndParents.some((candidate) => rule.regex.test(candidate))) ignored = !rule.negate;
    }
    return ignored;
  };
}
const ignored = dockerignore(read('.dockerignore'));

function filesUnder(path: string): string[] {
  const absolute = join(ROOT, path);
  if (!statSync(absolute).isDirectory()) return [path];
  return readdirSync(absolute, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .filter((file) => !file.split('/').includes('node_modules'));
}

/** Package names the runtime sources import at run time (`import type` is erased). */
function runtimeImports(dirs: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  const specifiers =
    /(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const dir of dirs) {
    for (const file of filesUnder(dir).filter((name) => /\.(ts|mts|js|mjs)$/.test(name))) {
      for (const match of read(file).matchAll(specifiers)) {
        if (match[1]) continue;
        const specifier = must(match[2] ?? match[3], 'import specifier');
        if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
        const parts = specifier.split('/');
        const name = specifier.startsWith('@')
          ? parts.slice(0, 2).join('/')
          : must(parts[0], specifier);
        if (!builtinModules.includes(name)) found.set(name, file);
      }
    }
  }
  return found;
}

describe('Dockerfile: the production image', () => {
  it('has a build stage and a runtime stage, both on node:24-bookworm-slim pinned by tag', () => {
    expect(dockerfile.length).toBeGreaterThanOrEqual(2);
    for (const stage of dockerfile) expect(stage.image).toBe('node:24-bookworm-slim');
    expect(buildStage().name).toBeDefined();
  });

  it('builds without compilers: npm ci from the lockfile, npm run build, then prunes dev dependencies', () => {
    const runs = args(buildStage(), 'RUN');
    expect(runs.filter((run) => run.includes('apt-get'))).toEqual([]);
    const ci = runs.findIndex((run) => /\bnpm ci\b/.test(run));
    const build = runs.findIndex((run) => /\bnpm run build\b/.test(run));
    const prune = runs.findIndex((run) => /\bnpm prune\b.*--omit=dev/.test(run));
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(build).toBeGreaterThan(ci);
    expect(prune).toBeGreaterThan(build);
    expect(copiesOf(buildStage()).flatMap((copy) => copy.sources)).toContain('package-lock.json');
  });

  it('copies the pruned node_modules and the built release from the build stage into the runtime stage, which never runs npm', () => {
    const fromBuild = copiesOf(runtimeStage()).filter((copy) => copy.from === buildStage().name);
    expect(fromBuild.flatMap((copy) => copy.sources)).toEqual(['/app/node_modules', '/app/dist']);
    // No TypeScript source reaches the runtime stage.
    const fromContext = copiesOf(runtimeStage()).filter((copy) => copy.from === undefined);
    for (const source of ['src', 'cds-services', 'demo', 'scripts']) {
      expect(fromContext.flatMap((copy) => copy.sources)).not.toContain(source);
    }
    expect(args(runtimeStage(), 'RUN').filter((run) => /\bnpm\b/.test(run))).toEqual([]);
  });

  it('copies from the build context only paths that exist and that .dockerignore lets through', () => {
    const fromContext = dockerfile.flatMap((stage) =>
      copiesOf(stage).filter((copy) => copy.from === undefined),
    );
    const sources = fromContext.flatMap((copy) => copy.sources);
    for (const source of ['package.json', 'scripts', 'src', 'cds-services', 'demo', 'fixtures']) {
      expect(sources).toContain(source);
    }
    for (const source of sources) {
      const files = filesUnder(source);
      expect(files.filter((file) => !ignored(file)).length, source).toBeGreaterThan(0);
    }
    // All code the service loads reaches the image.
    for (const dir of ['src', 'cds-services', 'demo']) {
      expect(
        filesUnder(dir).filter((file) => ignored(file)),
        dir,
      ).toEqual([]);
    }
    expect(ignored('package-lock.json')).toBe(false);
  });

  it('keeps host node_modules, the local feedback database and .git out of the build context', () => {
    expect(ignored('node_modules/express/index.js')).toBe(true);
    expect(ignored('dist/src/main/server.js')).toBe(true);
    expect(ignored('data/feedback.sqlite')).toBe(true);
    expect(ignored('data/feedback.sqlite-wal')).toBe(true);
    expect(ignored('.git/HEAD')).toBe(true);
    expect(ignored('config/trusted-clients.json')).toBe(true);
  });

  it('holds every package the built release imports among the production dependencies, and no compiler', () => {
    const pkg = JSON.parse(read('package.json')) as { dependencies?: Record<string, string> };
    const production = Object.keys(pkg.dependencies ?? {});
    const imported = runtimeImports(['dist']);
    expect(imported.size).toBeGreaterThan(5);
    expect([...imported].filter(([name]) => !production.includes(name))).toEqual([]);
    for (const compiler of ['tsx', 'esbuild', 'typescript']) {
      expect(production).not.toContain(compiler);
      expect(imported.has(compiler), compiler).toBe(false);
    }
  });

  it('runs as a numeric non-root user, the UID and GID the Kubernetes manifests require', () => {
    const { uid, gid } = imageUser();
    expect(uid).toBeGreaterThan(0);
    expect(gid).toBeGreaterThan(0);
    expect(deployment().spec.template.spec.securityContext?.runAsUser).toBe(uid);
    expect(deployment().spec.template.spec.securityContext?.runAsGroup).toBe(gid);
  });

  it('sets NODE_ENV=production in the runtime image', () => {
    expect(envOf(runtimeStage()).NODE_ENV).toBe('production');
  });

  it('gives the service user the data directory of the SQLite fallback store', () => {
    const workdir = must(args(runtimeStage(), 'WORKDIR').at(-1), 'WORKDIR');
    const dbPath = envOf(runtimeStage()).FEEDBACK_DB_PATH ?? loadConfig({}).feedback.sqlitePath;
    const dataDir = posix.dirname(posix.resolve(workdir, dbPath));
    const { uid } = imageUser();
    const chown = args(runtimeStage(), 'RUN').find((run) =>
      new RegExp(`chown\\s+(-R\\s+)?${uid}(:\\d+)?\\s+${dataDir}(\\s|$)`).test(run),
    );
    expect(chown, `chown ${uid} ${dataDir}`).toBeDefined();
  });

  it('exposes the port the service listens on, the one the Deployment declares', () => {
    const exposed = args(runtimeStage(), 'EXPOSE').map((port) => Number(port.split('/')[0]));
    const port = Number(envOf(runtimeStage()).PORT ?? loadConfig({}).port);
    expect(exposed).toEqual([port]);
    expect(port).toBe(listeningPort());
  });

  it("checks health with node's fetch on /healthz of that port (slim has no curl)", () => {
    const healthcheck = must(args(runtimeStage(), 'HEALTHCHECK').at(-1), 'HEALTHCHECK');
    const command = JSON.parse(
      must(/CMD\s+(\[.*\])\s*$/.exec(healthcheck)?.[1], 'exec form'),
    ) as string[];
    expect(command[0]).toBe('node');
    const script = command.join(' ');
    expect(script).toContain('fetch(');
    expect(script).toContain('/healthz');
    expect(script).toContain(String(listeningPort()));
    expect(script).not.toMatch(/\b(curl|wget)\b/);
  });

  it('stops with SIGTERM, which the server answers by finishing in-flight calls', () => {
    expect(args(runtimeStage(), 'STOPSIGNAL')).toEqual(['SIGTERM']);
    expect(read('src/main/server.ts')).toContain("process.once('SIGTERM'");
  });

  it('starts the built dist/src/main/server.js with plain node, in exec form so the signal reaches node', () => {
    const cmd = must(args(runtimeStage(), 'CMD').at(-1), 'CMD');
    expect(JSON.parse(cmd)).toEqual(['node', 'dist/src/main/server.js']);
    expect(args(runtimeStage(), 'ENTRYPOINT')).toEqual([]);
    expect(statSync(join(ROOT, 'dist/src/main/server.js')).isFile()).toBe(true);
  });
});
