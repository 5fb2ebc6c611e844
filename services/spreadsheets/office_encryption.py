"""Office "Encrypt with password" (ECMA-376 agile, AES) streamed into a file.

msoffcrypto-tool's public `OOXMLFile.encrypt` holds the whole container in memory three
times over (the payload, the compound file it builds, and a BytesIO copy of that); at
600,000 cases that is well over the 300 MB a counter PC may spend. This wrapper takes the
same steps as `OOXMLFile.encrypt` (msoffcrypto-tool 6.1) but lays the compound file
straight into the caller's seekable output, through `ECMA376Encrypted._write_to`, a private
method: the only one we use. `tests/services/spreadsheets/test_office_encryption.py` checks its
signature and that the result opens with msoffcrypto's public decryption, so an upgrade of
msoffcrypto-tool that changes it fails the suite instead of the managers' exports.
"""

from __future__ import annotations

from typing import BinaryIO

# Iterations of the password hash: Office's own default.
SPIN_COUNT = 100_000


def encrypt_ooxml(source: BinaryIO, password: str, out: BinaryIO) -> None:
    """Encrypt the plain .xlsx (or any OOXML package) in `source` with `password` into the
    seekable `out`, as Office's "Encrypt with password" does."""
    from msoffcrypto.method.container.ecma376_encrypted import ECMA376Encrypted
    from msoffcrypto.method.ecma376_agile import ECMA376Agile

    info, secret_key = ECMA376Agile.generate_encryption_parameters(password, None, SPIN_COUNT)
    payload = ECMA376Agile.encrypt_payload(
        source, info.encryptedKey, secret_key, info.keyData.saltValue
    )
    encryption_info = ECMA376Agile.get_encryption_information(info, payload, secret_key)
    ECMA376Encrypted(payload, encryption_info)._write_to(out)
