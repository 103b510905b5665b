import type { Report } from './report.js';
import { violationCount } from './scenario.js';

const x = (s: string | number): string =>
  String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function testcase(classname: string, name: string, failure?: { type: string; message: string; body: string }): string {
  const open = `    <testcase classname="${x(classname)}" name="${x(name)}" time="0"`;
  if (!failure) return `${open}/>`;
  return `${open}>\n      <failure type="${x(failure.type)}" message="${x(failure.message)}">${x(failure.body)}</failure>\n    </testcase>`;
}

/**
 * The report as JUnit XML: one test case per oracle, per forbidden outcome and per actor
 * failure, so a CI system lists each check by name and shows what broke.
 */
export function junitXml(r: Report): string {
  const suite = `${r.scenario}[${r.variant}]`;
  const cases: string[] = [];
  let failures = 0;
  for (const o of r.oracles) {
    const bad = o.violations.length > 0;
    failures += bad ? 1 : 0;
    cases.push(testcase(`${suite}.oracle`, o.name, bad
      ? { type: 'oracle', message: `${violationCount(o)} violation(s)`, body: o.violations.map((v) => `${v.message}${v.where ? ` [${v.where}]` : ''}`).join('\n') }
      : undefined));
  }
  for (const o of r.outcomes.filter((o) => o.grade === 'FORBIDDEN')) {
    failures += o.count > 0 ? 1 : 0;
    cases.push(testcase(`${suite}.forbidden`, o.outcome, o.count > 0 ? { type: 'FORBIDDEN', message: `observed ${o.count} time(s)`, body: o.description } : undefined));
  }
  for (const f of r.failures) {
    failures++;
    cases.push(testcase(`${suite}.actor`, `actor ${f.actor} (${f.role})`, { type: f.kind, message: `${f.kind} during '${f.lastOp}'`, body: f.message }));
  }
  const props = {
    seed: r.seed, variant: r.variant, workers: r.workers, roles: r.roles.map((role, a) => `${a}:${role}`).join(' '),
    node: r.env.node, v8: r.env.v8, cpus: r.env.cpus, ...(r.interrupted ? { interrupted: 'true' } : {}), ...Object.fromEntries(Object.entries(r.params).map(([k, v]) => [`param.${k}`, String(v)])),
  };
  const secs = (r.durationMs / 1000).toFixed(3);
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="memrace" tests="${cases.length}" failures="${failures}" time="${secs}">
  <testsuite name="${x(suite)}" tests="${cases.length}" failures="${failures}" errors="0" time="${secs}" timestamp="${x(r.startedAt)}">
    <properties>
${Object.entries(props).map(([k, v]) => `      <property name="${x(k)}" value="${x(v)}"/>`).join('\n')}
    </properties>
${cases.join('\n')}
  </testsuite>
</testsuites>
`;
}
