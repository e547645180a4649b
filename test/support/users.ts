import type TestAgent from 'supertest/lib/agent';
import type { Role } from '@amparo/auth';
import { ADMIN } from './test-app';

export interface Session {
  token: string;
  refreshToken: string;
  userId: string;
  email: string;
  password: string;
  auth: { Authorization: string };
}

let counter = 0;

export async function login(http: TestAgent, email: string, password: string): Promise<Session> {
  const res = await http.post('/api/auth/login').send({ email, password });
  if (res.status !== 200) throw new Error(`login ${email} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    token: res.body.accessToken,
    refreshToken: res.body.refreshToken,
    userId: res.body.user.id,
    email,
    password,
    auth: { Authorization: `Bearer ${res.body.accessToken}` },
  };
}

export const loginAdmin = (http: TestAgent) => login(http, ADMIN.email, ADMIN.password);

/**
 * Creates a user of the role through the API (as the admin), signs them in, and has them choose their own password
 * (the admin's is temporary: nothing else is allowed until it is changed). The session goes on with their own.
 */
export async function createUser(http: TestAgent, admin: Session, role: Role, name?: string): Promise<Session> {
  counter += 1;
  const email = `${role}${counter}-${Date.now()}@test.amparo.example`;
  const temporary = `temporary-${role}-${counter}-long`;
  const res = await http
    .post('/api/users')
    .set(admin.auth)
    .send({ email, name: name ?? `Test ${role} ${counter}`, role, password: temporary });
  if (res.status !== 201) throw new Error(`create ${role} failed: ${res.status} ${JSON.stringify(res.body)}`);
  const session = await login(http, email, temporary);
  return choosePassword(http, session, `password-${role}-${counter}-long`);
}

/** A user signed in with a temporary password chooses their own; the session goes on (others end). */
export async function choosePassword(http: TestAgent, session: Session, password: string): Promise<Session> {
  const res = await http.post('/api/auth/password').set(session.auth).send({ currentPassword: session.password, newPassword: password });
  if (res.status !== 204) throw new Error(`password change for ${session.email} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...session, password };
}

/**
 * `work` with every active coordinator of the admin's organization but `keep` deactivated (the admins then stand in
 * for them), each reactivated afterwards. Deactivation ended their sessions: sign them in again after.
 */
export async function withoutCoordinators(
  t: { http: TestAgent; db: { query(sql: string, params?: unknown[]): Promise<{ id: string }[]> } },
  admin: Session,
  work: () => Promise<void>,
  keep: string | null = null,
): Promise<void> {
  const others = await t.db.query(
    `SELECT id FROM users WHERE organization_id = (SELECT organization_id FROM users WHERE id = $1) AND role = 'coordinator' AND active
        AND id IS DISTINCT FROM $2`,
    [admin.userId, keep],
  );
  for (const { id } of others) await t.http.patch(`/api/users/${id}`).set(admin.auth).send({ active: false }).expect(200);
  try {
    await work();
  } finally {
    for (const { id } of others) await t.http.patch(`/api/users/${id}`).set(admin.auth).send({ active: true }).expect(200);
  }
}
