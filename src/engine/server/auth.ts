/**
 * Token authentication of the engine's HTTP API: every /api request must carry
 * `Authorization: token T`. The comparison is constant-time (both sides hashed to equal length,
 * then crypto.timingSafeEqual), so response times do not leak the token.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EngineError } from '../errors.js';

/** A fresh random token (32 bytes, hex). */
export function randomToken(): string {
  return randomBytes(32).toString('hex');
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** True when `given` equals `expected`, compared in constant time. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected)) && given.length === expected.length;
}

/** Throws UNAUTHORIZED unless the Authorization header is `token <expected>`. */
export function checkAuthorization(header: string | string[] | undefined, expected: string): void {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) {
    throw new EngineError('UNAUTHORIZED', 'missing Authorization header: expected "Authorization: token <token>"');
  }
  const m = /^token\s+(\S+)\s*$/i.exec(value);
  if (!m) {
    throw new EngineError('UNAUTHORIZED', 'malformed Authorization header: expected "token <token>"');
  }
  if (!tokenMatches(m[1], expected)) {
    throw new EngineError('UNAUTHORIZED', 'wrong token');
  }
}
