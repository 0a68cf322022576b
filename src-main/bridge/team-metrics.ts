/** Upper bounds (seconds) of the command duration histogram's buckets. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

type Histogram = { counts: number[]; sum: number; count: number };

/** Gauges read when /metrics is asked (sessions, streams, jobs). */
export type GaugeSource = () => {
  sessions: { browser: number; api: number; token: number };
  streams: number;
  jobsRunning: number;
  uptimeSeconds: number;
};

/** What the team server counts, rendered in the Prometheus text format (version 0.0.4). */
export type ServerMetrics = {
  /** One dispatched command: its name, outcome ('ok' or the error code) and duration in ms. */
  command: (command: string, outcome: string, ms: number) => void;
  /** One finished HTTP request by status code. */
  request: (status: number) => void;
  render: () => string;
};

/** Label values are command names and codes, but escape them anyway as the format asks. */
function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function createMetrics(gauges: GaugeSource): ServerMetrics {
  const commands = new Map<string, number>();
  const durations = new Map<string, Histogram>();
  const requests = new Map<number, number>();

  return {
    command: (command, outcome, ms) => {
      const key = `${command}\u0000${outcome}`;
      commands.set(key, (commands.get(key) ?? 0) + 1);
      let h = durations.get(command);
      if (!h) durations.set(command, (h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
      const seconds = ms / 1000;
      BUCKETS.forEach((bound, i) => {
        if (seconds <= bound) h.counts[i]! += 1;
      });
      h.sum += seconds;
      h.count += 1;
    },
    request: (status) => requests.set(status, (requests.get(status) ?? 0) + 1),
    render: () => {
      const g = gauges();
      const lines: string[] = [];
      lines.push(
        '# HELP paydesk_commands_total Commands dispatched, by command and outcome (ok or error code).',
      );
      lines.push('# TYPE paydesk_commands_total counter');
      for (const [key, n] of [...commands].sort()) {
        const [command, outcome] = key.split('\u0000') as [string, string];
        lines.push(`paydesk_commands_total{command="${label(command)}",outcome="${label(outcome)}"} ${n}`);
      }
      lines.push('# HELP paydesk_command_duration_seconds Time to dispatch a command.');
      lines.push('# TYPE paydesk_command_duration_seconds histogram');
      for (const [command, h] of [...durations].sort(([a], [b]) => a.localeCompare(b))) {
        const c = label(command);
        BUCKETS.forEach((bound, i) => {
          lines.push(`paydesk_command_duration_seconds_bucket{command="${c}",le="${bound}"} ${h.counts[i]}`);
        });
        lines.push(`paydesk_command_duration_seconds_bucket{command="${c}",le="+Inf"} ${h.count}`);
        lines.push(`paydesk_command_duration_seconds_sum{command="${c}"} ${h.sum}`);
        lines.push(`paydesk_command_duration_seconds_count{command="${c}"} ${h.count}`);
      }
      lines.push('# HELP paydesk_http_requests_total HTTP requests answered, by status code.');
      lines.push('# TYPE paydesk_http_requests_total counter');
      for (const [status, n] of [...requests].sort(([a], [b]) => a - b))
        lines.push(`paydesk_http_requests_total{status="${status}"} ${n}`);
      lines.push('# HELP paydesk_sessions_open Sessions the server holds, by kind.');
      lines.push('# TYPE paydesk_sessions_open gauge');
      for (const [kind, n] of Object.entries(g.sessions))
        lines.push(`paydesk_sessions_open{kind="${kind}"} ${n}`);
      lines.push('# HELP paydesk_event_streams_open Open Server-Sent Events streams.');
      lines.push('# TYPE paydesk_event_streams_open gauge');
      lines.push(`paydesk_event_streams_open ${g.streams}`);
      lines.push('# HELP paydesk_jobs_running Long jobs (imports, validation, submits) running now.');
      lines.push('# TYPE paydesk_jobs_running gauge');
      lines.push(`paydesk_jobs_running ${g.jobsRunning}`);
      lines.push('# HELP paydesk_uptime_seconds Seconds since the server started.');
      lines.push('# TYPE paydesk_uptime_seconds gauge');
      lines.push(`paydesk_uptime_seconds ${g.uptimeSeconds}`);
      return lines.join('\n') + '\n';
    },
  };
}
