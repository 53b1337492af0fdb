import type { AppInfoView, AppView, BuildView, CertView, DomainView, DrainView, ErrorBody, RouterSettingsView, ExplainView, FormationEntryView, HealthView, HostView, InstanceView, LogLineView, ReleaseView, RestartView, UserView } from './types';
import type * as T from './types';

/** An error answer from the API (or no answer at all: status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ClientOptions {
  baseUrl: string;
  token?: string;
  fetch?: typeof fetch;
}

/** Typed client of /api/v1. Every method throws ApiError with the server's message on failure. */
export class GantryClient {
  private readonly base: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly opts: ClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '') + '/api/v1';
    this.doFetch = opts.fetch ?? fetch;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  /** Sends a request and returns the raw response once its status is known to be 2xx. */
  async send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.doFetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), ...(signal ? { signal } : {}) });
    } catch (err) {
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      // Node's fetch waits at most 300 s for a response's headers (undici's headersTimeout): a
      // long synchronous call (a restore of a big database) may still be running on the server.
      if (cause === 'UND_ERR_HEADERS_TIMEOUT') throw new ApiError(0, 'timeout', `The Gantry API at ${this.opts.baseUrl} gave no answer within 5 minutes; the request may still be running there.`);
      throw new ApiError(0, 'unreachable', `Cannot reach the Gantry API at ${this.opts.baseUrl} (${cause}).`);
    }
    if (res.ok) return res;
    let parsed: ErrorBody | undefined;
    try {
      parsed = (await res.json()) as ErrorBody;
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, parsed?.error.id ?? 'http_error', parsed?.error.message ?? `HTTP ${res.status}`, parsed?.error.details);
  }

  health = () => this.request<HealthView>('GET', '/health');
  login = (email: string, password: string, tokenName?: string) =>
    this.request<{ token: string; user: UserView }>('POST', '/auth/login', { email, password, tokenName });
  logout = () => this.request<void>('POST', '/auth/logout');
  me = () => this.request<UserView>('GET', '/me');

  apps = () => this.request<AppView[]>('GET', '/apps');
  createApp = (name?: string) => this.request<AppView>('POST', '/apps', name ? { name } : {});
  appInfo = (app: string) => this.request<AppInfoView>('GET', `/apps/${enc(app)}`);
  /** `confirm` (the app's name) is needed when volumes or add-ons outlive it; they are then listed (else undefined: 204). */
  destroyApp = (app: string, confirm?: string) => this.request<T.AppDestroyedView | undefined>('DELETE', `/apps/${enc(app)}${confirm ? `?confirm=${enc(confirm)}` : ''}`);
  renameApp = (app: string, name: string) => this.request<AppView>('PATCH', `/apps/${enc(app)}`, { name });

  config = (app: string) => this.request<Record<string, string>>('GET', `/apps/${enc(app)}/config`);
  setConfig = (app: string, vars: Record<string, string | null>) =>
    this.request<{ config: Record<string, string>; release: ReleaseView | null; replaces: number | null }>('PATCH', `/apps/${enc(app)}/config`, { vars });

  releases = (app: string) => this.request<ReleaseView[]>('GET', `/apps/${enc(app)}/releases`);
  release = (app: string, version: number) => this.request<ReleaseView>('GET', `/apps/${enc(app)}/releases/${version}`);
  rollback = (app: string, version: number) => this.request<ReleaseView>('POST', `/apps/${enc(app)}/releases/${version}/rollback`);
  /** The release phase's output from line `after` on; `running` while more may come. */
  releaseOutput = (app: string, version: number, after = 0) =>
    this.request<{ version: number; status: ReleaseView['status']; lines: string[]; next: number; running: boolean }>('GET', `/apps/${enc(app)}/releases/${version}/output?after=${after}`);
  setReleaseTimeout = (app: string, seconds: number) => this.request<{ seconds: number }>('PUT', `/apps/${enc(app)}/release-timeout`, { seconds });

  builds = (app: string) => this.request<BuildView[]>('GET', `/apps/${enc(app)}/builds`);
  build = (app: string, number: number) => this.request<BuildView>('GET', `/apps/${enc(app)}/builds/${number}`);

  ps = (app: string) => this.request<InstanceView[]>('GET', `/apps/${enc(app)}/ps`);
  /** ps:restart: every instance, a process type ("web") or one instance ("web.2"). */
  restartInstances = (app: string, target?: string) => this.request<RestartView>('POST', `/apps/${enc(app)}/ps/restart`, target ? { target } : {});
  /** ps:stop: a process type or one instance; the scheduler replaces them to keep the formation. */
  stopInstances = (app: string, target: string) => this.request<RestartView>('POST', `/apps/${enc(app)}/ps/stop`, { target });
  explain = (app: string, process: string) => this.request<ExplainView>('GET', `/apps/${enc(app)}/ps/${enc(process)}/explain`);
  formation = (app: string) => this.request<FormationEntryView[]>('GET', `/apps/${enc(app)}/formation`);
  /** ps:scale / ps:type: { web: { quantity: 3 }, worker: { size: 'standard-2x' } }. */
  updateFormation = (app: string, changes: Record<string, { quantity?: number; size?: string }>) =>
    this.request<FormationEntryView[]>('PATCH', `/apps/${enc(app)}/formation`, changes);
  setSleep = (app: string, type: string, input: T.SleepInput) => this.request<T.FormationEntryView>('PUT', `/apps/${enc(app)}/formation/${enc(type)}/sleep`, input);
  autoscale = (app: string) => this.request<T.AutoscaleView[]>('GET', `/apps/${enc(app)}/autoscale`);
  setAutoscale = (app: string, type: string, policy: T.AutoscalePolicyView) => this.request<T.AutoscaleView>('PUT', `/apps/${enc(app)}/autoscale/${enc(type)}`, policy);
  disableAutoscale = (app: string, type: string) => this.request<T.AutoscaleView>('DELETE', `/apps/${enc(app)}/autoscale/${enc(type)}`);
  autoscaleEvents = (app: string, limit = 50) => this.request<T.AutoscaleEventView[]>('GET', `/apps/${enc(app)}/autoscale/events?limit=${limit}`);
  setConstraints = (app: string, type: string, constraints: string[]) =>
    this.request<FormationEntryView[]>('PUT', `/apps/${enc(app)}/formation/${enc(type)}/constraints`, { constraints });
  setDeployBatch = (app: string, batch: number | null) => this.request<{ batch: number | null }>('PUT', `/apps/${enc(app)}/deploy-batch`, { batch });

  cron = (app: string) => this.request<T.CronJobView[]>('GET', `/apps/${enc(app)}/cron`);
  /** `command` is a command line, run like a Procfile command; `schedule` is in UTC. */
  addCron = (app: string, schedule: string, command: string) => this.request<T.CronJobView>('POST', `/apps/${enc(app)}/cron`, { schedule, command });
  removeCron = (app: string, id: string) => this.request<void>('DELETE', `/apps/${enc(app)}/cron/${enc(id)}`);
  cronRuns = (app: string, opts: { job?: string; limit?: number } = {}) => {
    const q = new URLSearchParams();
    if (opts.job) q.set('job', opts.job);
    if (opts.limit !== undefined) q.set('limit', String(opts.limit));
    const qs = q.toString();
    return this.request<T.CronRunView[]>('GET', `/apps/${enc(app)}/cron/runs${qs ? `?${qs}` : ''}`);
  };

  domains = (app: string) => this.request<DomainView[]>('GET', `/apps/${enc(app)}/domains`);
  addDomain = (app: string, hostname: string) => this.request<DomainView>('POST', `/apps/${enc(app)}/domains`, { hostname });
  removeDomain = (app: string, hostname: string) => this.request<void>('DELETE', `/apps/${enc(app)}/domains/${enc(hostname)}`);
  certs = (app: string) => this.request<CertView[]>('GET', `/apps/${enc(app)}/certs`);
  addCert = (app: string, cert: string, key: string) => this.request<CertView & { covers: string[] }>('POST', `/apps/${enc(app)}/certs`, { cert, key });
  removeCert = (app: string, id: string) => this.request<void>('DELETE', `/apps/${enc(app)}/certs/${enc(id)}`);
  routerSettings = (app: string) => this.request<RouterSettingsView>('GET', `/apps/${enc(app)}/router`);
  updateRouterSettings = (app: string, s: Partial<RouterSettingsView>) => this.request<RouterSettingsView>('PATCH', `/apps/${enc(app)}/router`, s);

  buildpacks = (app: string) => this.request<T.BuildpacksView>('GET', `/apps/${enc(app)}/buildpacks`);
  /** buildpacks:add / set / remove / clear; the answer is the list after the edit. */
  editBuildpacks = (app: string, edit: T.BuildpackEditBody) => this.request<T.BuildpacksView>('PATCH', `/apps/${enc(app)}/buildpacks`, edit);

  settings = () => this.request<T.SettingView[]>('GET', '/settings');
  /** `value` as typed ("10.0.0.0/8,fd00::/8"); "" resets the setting. */
  setSetting = (key: string, value: string) => this.request<T.SettingView>('PUT', `/settings/${enc(key)}`, { value });
  hosts = () => this.request<HostView[]>('GET', '/hosts');
  host = (name: string) => this.request<HostView & { instances: { app: string; process: string; state: string; desired: string }[] }>('GET', `/hosts/${enc(name)}`);
  addHost = (h: {
    name: string;
    dockerUrl: string;
    address: string;
    labels?: Record<string, string>;
    cpus?: number;
    memory?: string;
    remote?: boolean;
    /** PEM text of the engine's CA, our client certificate and its key (engine run with --tlsverify). */
    tls?: { ca: string; cert: string; key: string };
    /** Accept plain tcp:// without TLS. */
    insecure?: boolean;
  }) =>
    this.request<HostView>('POST', '/hosts', h);
  /** With `move`, the volumes and add-ons the host holds move to other hosts first (else a host holding any is refused, 409). */
  drainHost = (name: string, opts: { move?: boolean } = {}) => this.request<HostView & { moved?: T.MoveView[] }>('POST', `/hosts/${enc(name)}/drain`, opts.move ? { move: true } : undefined);
  undrainHost = (name: string) => this.request<HostView>('DELETE', `/hosts/${enc(name)}/drain`);
  removeHost = (name: string) => this.request<void>('DELETE', `/hosts/${enc(name)}`);
  logs = (app: string, lines = 100, filter: { source?: string; ps?: string } = {}) =>
    this.request<LogLineView[]>('GET', `/apps/${enc(app)}/logs?${new URLSearchParams({ lines: String(lines), ...filter })}`);
  drains = (app: string) => this.request<DrainView[]>('GET', `/apps/${enc(app)}/drains`);
  addDrain = (app: string, url: string) => this.request<DrainView>('POST', `/apps/${enc(app)}/drains`, { url });
  /** `ref`: the drain's id, token or URL. */
  removeDrain = (app: string, ref: string) => this.request<void>('DELETE', `/apps/${enc(app)}/drains/${enc(ref)}`);
  /** Requests (rate, latency percentiles, status classes) and instance usage over the last `windowSeconds`. */
  metrics = (app: string, windowSeconds = 600) => this.request<import('./types').AppMetricsView>('GET', `/apps/${enc(app)}/metrics?window=${windowSeconds}`);

  /** apps:create --team T: an app in a team (default: the caller's personal team). */
  createAppInTeam = (team: string | undefined, name?: string) => this.request<AppView>('POST', '/apps', { ...(name ? { name } : {}), ...(team ? { team } : {}) });
  teams = () => this.request<T.TeamView[]>('GET', '/teams');
  createTeam = (name: string) => this.request<T.TeamView>('POST', '/teams', { name });
  members = (team: string) => this.request<T.MemberView[]>('GET', `/teams/${enc(team)}/members`);
  setMemberRole = (team: string, email: string, role: T.RoleName) => this.request<T.MemberView>('PATCH', `/teams/${enc(team)}/members/${enc(email)}`, { role });
  removeMember = (team: string, email: string) => this.request<void>('DELETE', `/teams/${enc(team)}/members/${enc(email)}`);
  invite = (team: string, role: T.RoleName, email?: string) => this.request<T.NewInvitationView>('POST', `/teams/${enc(team)}/invitations`, { role, ...(email ? { email } : {}) });
  invitations = (team: string) => this.request<T.InvitationView[]>('GET', `/teams/${enc(team)}/invitations`);
  revokeInvitation = (team: string, id: string) => this.request<void>('DELETE', `/teams/${enc(team)}/invitations/${enc(id)}`);
  /** What an invitation link offers (`token`: its token, or the whole link). */
  invitation = (token: string) => this.request<T.InvitationOfferView>('GET', `/invitations/${enc(token.replace(/^.*\/invitations\//, ''))}`);
  /** `token`: the token of an invitation link (or the whole link). */
  acceptInvitation = (token: string) => this.request<{ team: string; role: T.RoleName }>('POST', `/invitations/${enc(token.replace(/^.*\/invitations\//, ''))}/accept`);
  tokens = () => this.request<T.TokenView[]>('GET', '/tokens');
  createToken = (name: string, expiresInDays?: number) => this.request<T.NewTokenView>('POST', '/tokens', { name, ...(expiresInDays ? { expiresInDays } : {}) });
  revokeToken = (id: string) => this.request<void>('DELETE', `/tokens/${enc(id)}`);
  audit = (team: string, limit = 100) => this.request<T.AuditEventView[]>('GET', `/teams/${enc(team)}/audit?limit=${limit}`);

  // Add-ons (Postgres, Redis), their attachments and backups; volumes. See /addons in openapi.yaml.
  /** Every add-on of the caller's teams. */
  allAddons = () => this.request<T.AddonView[]>('GET', '/addons');
  /** The add-ons attached to an app. */
  addons = (app: string) => this.request<T.AddonView[]>('GET', `/apps/${enc(app)}/addons`);
  /** Provisions a server and attaches it (new release with <AS>_URL); answers once it is available (minutes on a fresh host). */
  createAddon = (app: string, body: CreateAddonBody) => this.request<T.AddonChangeView>('POST', `/apps/${enc(app)}/addons`, body);
  addon = (name: string) => this.request<T.AddonView>('GET', `/addons/${enc(name)}`);
  /** pg:info / redis:info: version, size, connections... asked live. */
  addonDetails = (name: string) => this.request<T.AddonDetailsView>('GET', `/addons/${enc(name)}/details`);
  attachAddon = (name: string, app: string, as?: string) => this.request<T.AddonChangeView>('POST', `/addons/${enc(name)}/attachments`, { app, ...(as ? { as } : {}) });
  detachAddon = (name: string, app: string) => this.request<T.AddonChangeView>('DELETE', `/addons/${enc(name)}/attachments/${enc(app)}`);
  /** Takes a final backup, then destroys the server and its volume; `confirm` must be the add-on's name. */
  destroyAddon = (name: string, confirm: string) =>
    this.request<{ addon: string; finalBackup: T.BackupView }>('DELETE', `/addons/${enc(name)}?${new URLSearchParams({ confirm })}`);
  /** Moves the add-on's data and server to `to` (Redis: stop-copy-start; Postgres: streaming replication); answers once done. */
  moveAddon = (name: string, to: string) => this.request<T.MoveView>('POST', `/addons/${enc(name)}/move`, { to });
  rotateAddonCredentials = (name: string) => this.request<T.AddonChangeView>('POST', `/addons/${enc(name)}/credentials/rotate`);

  /** Newest first. */
  backups = (addon: string) => this.request<T.BackupView[]>('GET', `/addons/${enc(addon)}/backups`);
  /** A synchronous capture; a failed one throws (status 500) and is listed as failed. */
  captureBackup = (addon: string) => this.request<T.BackupView>('POST', `/addons/${enc(addon)}/backups`);
  backup = (addon: string, id: string) => this.request<T.BackupView>('GET', `/addons/${enc(addon)}/backups/${enc(id)}`);
  /** Restores into this add-on, or into the add-on `to` (same kind and team). */
  restoreBackup = (addon: string, id: string, to?: string) => this.request<T.BackupView>('POST', `/addons/${enc(addon)}/backups/${enc(id)}/restore`, to ? { to } : {});
  /** The backup file as a byte stream, with the checksum the server recorded (check it while reading). */
  downloadBackup = async (addon: string, id: string): Promise<BackupDownload> => {
    const res = await this.send('GET', `/addons/${enc(addon)}/backups/${enc(id)}/download`);
    if (!res.body) throw new ApiError(0, 'http_error', 'The API sent no backup file.');
    const length = res.headers.get('content-length');
    const disposition = /filename="?([^";]+)"?/.exec(res.headers.get('content-disposition') ?? '');
    return {
      body: res.body as unknown as AsyncIterable<Uint8Array>,
      sha256: res.headers.get('x-gantry-sha256'),
      bytes: length !== null && /^\d+$/.test(length) ? Number(length) : null,
      filename: disposition ? disposition[1]! : null,
    };
  };
  /** Daily backup at `at` ("02:00", UTC), keeping the newest `keep` scheduled ones. */
  scheduleBackups = (addon: string, at: string, keep: number) => this.request<T.AddonView>('PUT', `/addons/${enc(addon)}/backups/schedule`, { at, keep });
  unscheduleBackups = (addon: string) => this.request<T.AddonView>('DELETE', `/addons/${enc(addon)}/backups/schedule`);

  /** Every volume of the caller's teams. */
  allVolumes = () => this.request<T.VolumeView[]>('GET', '/volumes');
  volumes = (app: string) => this.request<T.VolumeView[]>('GET', `/apps/${enc(app)}/volumes`);
  /** On `host`, or the host the scheduler picks. */
  createVolume = (app: string, name: string, host?: string) => this.request<T.VolumeView>('POST', `/apps/${enc(app)}/volumes`, { name, ...(host ? { host } : {}) });
  /** The type is re-placed on the volume's host; no new release. */
  mountVolume = (name: string, mount: MountVolumeBody) => this.request<T.VolumeView>('POST', `/volumes/${enc(name)}/mount`, mount);
  unmountVolume = (name: string) => this.request<T.VolumeView>('POST', `/volumes/${enc(name)}/unmount`);
  /** Copies its data to `to` and switches its users there (they stop meanwhile); answers once done. */
  moveVolume = (name: string, to: string) => this.request<T.MoveView>('POST', `/volumes/${enc(name)}/move`, { to });
  /** Refused (409) while mounted or holding an add-on's data; `confirm` must be the volume's name. */
  destroyVolume = (name: string, confirm: string) => this.request<void>('DELETE', `/volumes/${enc(name)}?${new URLSearchParams({ confirm })}`);
}

const enc = encodeURIComponent;

/** The body of POST /apps/:app/addons. */
export interface CreateAddonBody {
  kind: T.AddonKind;
  /** The config var prefix: DATABASE -> DATABASE_URL (default DATABASE for postgres, REDIS for redis). */
  as?: string;
  plan?: T.AddonPlan;
  /** Placement constraints, as for ps:constraints: "disk=ssd", "gantry.host!=b" (an HA add-on's members). */
  constraints?: string[];
  /** Postgres: a synchronous standby on another host, promoted by Patroni when the primary's host is lost. */
  ha?: boolean;
}

/** The body of POST /volumes/:name/mount. */
export interface MountVolumeBody {
  app: string;
  type: string;
  path: string;
  /** Several releases of the type may write at once during a deploy. */
  concurrent?: boolean;
}

/** A backup file being downloaded: its bytes, and what the server says they are. */
export interface BackupDownload {
  body: AsyncIterable<Uint8Array>;
  /** x-gantry-sha256 (hex); null when the server sent none. */
  sha256: string | null;
  /** content-length. */
  bytes: number | null;
  /** From content-disposition: <addon>-<id>.dump or .rdb. */
  filename: string | null;
}
