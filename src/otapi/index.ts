/**
 * The OT layer: the `OtApi` interface a wallet implements (or combines over several notaries),
 * the reader of a real OT data folder, the parsers of OT's armored files and contracts, and the
 * checks of OT's own signatures (classic `SAMY`, 0.94 `HASH256`; RSA-PSS).
 * The simulated notary is a test aid: `otp2p/testing`.
 */
export type {
  AccountInfo,
  MintDenomination,
  NotaryInfo,
  OtApi,
  OtLayout,
  PublicMint,
  TransferReceipt,
  TransferRequest,
  UnitDefinition,
} from './api.ts';
export {
  DEFAULT_MAX_ARMORED,
  DEFAULT_MAX_INFLATED,
  armor,
  dearmor,
  isArmored,
  packString,
  unpackString,
} from './armor.ts';
export type { ArmorOptions, Dearmored, DearmorOptions } from './armor.ts';
export { isSignedContract, parseSignedContract } from './signed.ts';
export type { OtSignature, SignedContract } from './signed.ts';
export {
  MAX_DENOMINATIONS,
  MAX_OT_FILE_BYTES,
  contractKind,
  parseAccountFile,
  parseMintFile,
  parseNotaryContract,
  parseOtTime,
  parseUnitDefinition,
  parseWallet,
  readOtDocument,
} from './files.ts';
export type { OtDocument, WalletInfo } from './files.ts';
export { OtDataFolder, detectLayout, findContractNear, readTrustedContract } from './datafolder.ts';
export type { FoundContract, FoundMint, ScanError, ScanResult } from './datafolder.ts';
export { base62Id, otId } from './ids.ts';
export { combineOtApis } from './combined.ts';
export {
  OT_HASH_TYPES,
  contractIdMatches,
  decodeOtPublicKey,
  otDigest,
  samyDigest,
  signerKeys,
  trustContract,
  verifyOtSignature,
  whirlpool,
} from './otcrypto.ts';
export type { OtSignatureCheck, OtSigningKey, TrustedContract } from './otcrypto.ts';
