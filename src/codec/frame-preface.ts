/** The client connection preface as bytes (RFC 9113 §3.4), shared by the decoder and encoder. */
import { CONNECTION_PREFACE } from './types.js';

/** `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`: 24 octets a client sends before its first SETTINGS. */
export const CONNECTION_PREFACE_BYTES: Uint8Array = new TextEncoder().encode(CONNECTION_PREFACE);
