/**
 * The checkpoint signing key: Ed25519, given as PKCS#8 PEM or as its DER in base64 on one line
 * (the form that fits a `.env` line). Only node:crypto; the private key never leaves this module
 * except as a KeyObject.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { sha256Hex } from './link.js';

export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Hex SHA-256 of the public key's SPKI DER: names the key inside every checkpoint. */
  readonly publicKeySha256: string;
}

/** Parses a key; throws an Error whose message never contains the key. */
export function parseSigningKey(raw: string): SigningKey {
  const text = raw.trim();
  let privateKey: KeyObject;
  try {
    privateKey = text.includes('-----BEGIN')
      ? createPrivateKey({ key: text.replace(/\\n/g, '\n'), format: 'pem' })
      : createPrivateKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'pkcs8' });
  } catch {
    throw new Error('is not a PKCS#8 private key (PEM, or its DER in base64 on one line)');
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`is a ${privateKey.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
  }
  return fromPrivateKey(privateKey);
}

function fromPrivateKey(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicKeySha256: publicKeySha256(publicKey) };
}

export function publicKeySha256(publicKey: KeyObject): string {
  return sha256Hex(publicKey.export({ type: 'spki', format: 'der' }));
}

export function publicKeyPem(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

/** Reads an auditor's public key file (SPKI PEM); throws naming what is wrong. */
export function parsePublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new Error('is not a PEM public key');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('is not an Ed25519 public key');
  return key;
}

/** A new key as one base64 line (what `make run` writes into .env). */
export function generateSigningKeyBase64(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
}
