import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { listRouteAccess } from '@amparo/auth';
import { TestApp, createTestApp } from './support/test-app';
import { Session, createUser, loginAdmin } from './support/users';

/**
 * Who may call what. A change to this list is a change to the product's security: it must show up here, in review.
 */
const EXPECTED = [
  'DELETE /api/calendar/token attorney,coordinator',
  'GET /api/attorneys admin,coordinator',
  'GET /api/attorneys/me/profile attorney',
  'GET /api/audit admin,coordinator',
  'GET /api/audit/verify admin',
  'GET /api/auth/me authenticated',
  'GET /api/calendar/:file public',
  'GET /api/cases attorney,coordinator,intake',
  'GET /api/cases/:id attorney,coordinator,intake',
  'GET /api/cases/:id/events attorney,coordinator,intake',
  'GET /api/deadlines attorney,coordinator',
  'GET /api/facilities authenticated',
  'GET /api/organization admin,coordinator',
  'GET /api/referrals attorney,coordinator',
  'GET /api/users admin,coordinator',
  'GET /health public',
  'PATCH /api/cases/:id attorney,coordinator,intake',
  'PATCH /api/deadlines/:id attorney,coordinator',
  'PATCH /api/organization admin',
  'PATCH /api/users/:id admin',
  'POST /api/auth/login public',
  'POST /api/auth/logout authenticated',
  'POST /api/auth/password authenticated',
  'POST /api/auth/refresh public',
  'POST /api/calendar/token attorney,coordinator',
  'POST /api/cases coordinator,intake',
  'POST /api/cases/:id/close attorney,coordinator',
  'POST /api/cases/:id/events attorney,coordinator,intake',
  'POST /api/cases/:id/events/:eventId/retract attorney,coordinator,intake',
  'POST /api/cases/:id/referrals coordinator',
  'POST /api/cases/:id/release attorney,coordinator',
  'POST /api/cases/:id/reopen coordinator',
  'POST /api/cases/:id/reveal coordinator',
  'POST /api/referrals/:id/accept attorney',
  'POST /api/referrals/:id/decline attorney',
  'POST /api/referrals/:id/withdraw coordinator',
  'POST /api/users admin',
  'PUT /api/attorneys/:userId/profile admin,coordinator',
  'PUT /api/attorneys/me/profile attorney',
];

describe('route permissions (e2e)', () => {
  let t: TestApp;
  const sessions: Record<string, Session> = {};

  beforeAll(async () => {
    t = await createTestApp();
    sessions.admin = await loginAdmin(t.http);
    for (const role of ['coordinator', 'intake', 'attorney'] as const) sessions[role] = await createUser(t.http, sessions.admin, role);
  });
  afterAll(() => t.close());

  it('every route declares who may call it, and the list is the expected one', () => {
    const routes = listRouteAccess(t.app.get(DiscoveryService), t.app.get(MetadataScanner), t.app.get(Reflector));
    expect(routes).toEqual(EXPECTED);
    expect(routes.join('\n')).not.toContain('UNDECLARED');
  });

  // For role-restricted routes: every role not listed gets 403, and no token gets 401.
  const restricted = EXPECTED.map((line) => line.split(' ')).filter(([, , rule]) => !['public', 'authenticated'].includes(rule));
  it.each(restricted)('%s %s refuses the roles outside %s', async (method, path, rule) => {
    const allowed = rule.split(',');
    const url = path.replace(/:\w+/g, '00000000-0000-4000-8000-000000000000');
    const call = (headers: Record<string, string>) =>
      (t.http as unknown as Record<string, (u: string) => { set(h: Record<string, string>): { send(b: object): Promise<{ status: number }> } }>)
        [method.toLowerCase()](url).set(headers).send({});
    expect((await call({})).status).toBe(401);
    for (const role of ['admin', 'coordinator', 'intake', 'attorney']) {
      const status = (await call(sessions[role].auth)).status;
      if (allowed.includes(role)) expect(status).not.toBe(403);
      else expect(status).toBe(403);
    }
  });
});
