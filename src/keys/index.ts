/**
 * Keys: BIP39 mnemonic -> NIP-06 Nostr key + BIP84 Bitcoin account; NIP-19 entities; NIP-49
 * ncryptsec; the password-protected vault.
 */
export * from './mnemonic.ts';
export * from './nip06.ts';
export * from './bip84.ts';
export * from './bech32.ts';
export * from './nip19.ts';
export * from './nip49.ts';
export * from './identity.ts';
export * from './vault.ts';
