namespace LogCollectorExporter.Certificates;

/// <summary>
/// The leaf certificate out of the bytes a TLS server sent first, as <see cref="RecordingStream"/> recorded them: the
/// handshake records (content type 22), their messages joined across records, and the first certificate of the
/// Certificate message (type 11). In TLS 1.2 and earlier that message is sent in the clear; in TLS 1.3 it is
/// encrypted and not found here. Pure; no length the server claims is allocated or trusted beyond the bytes there are.
/// </summary>
internal static class HandshakeFlight
{
    private const byte HandshakeRecord = 22;
    private const byte CertificateMessage = 11;

    // A TLS plaintext record holds at most 2^14 bytes.
    private const int LongestRecord = 1 << 14;

    /// <summary>The DER of the leaf certificate; null when the bytes hold no whole Certificate message.</summary>
    public static byte[]? LeafCertificate(ReadOnlySpan<byte> flight)
    {
        var handshake = new byte[flight.Length];
        var joined = 0;
        while (flight.Length >= 5 && flight[0] == HandshakeRecord)
        {
            var length = (flight[3] << 8) | flight[4];
            if (flight[1] != 3 || length == 0 || length > LongestRecord || flight.Length < 5 + length)
            {
                break;
            }

            flight.Slice(5, length).CopyTo(handshake.AsSpan(joined));
            joined += length;
            flight = flight[(5 + length)..];
        }

        var messages = handshake.AsSpan(0, joined);
        while (messages.Length >= 4)
        {
            var length = Uint24(messages[1..]);
            if (messages.Length - 4 < length)
            {
                return null;
            }

            if (messages[0] == CertificateMessage)
            {
                return First(messages.Slice(4, length));
            }

            messages = messages[(4 + length)..];
        }

        return null;
    }

    // certificate_list<0..2^24-1>, each ASN.1Cert<1..2^24-1>: the sender's own certificate first.
    private static byte[]? First(ReadOnlySpan<byte> body)
    {
        if (body.Length < 6 || Uint24(body) != body.Length - 3)
        {
            return null;
        }

        var length = Uint24(body[3..]);
        return length > 0 && length <= body.Length - 6 ? body.Slice(6, length).ToArray() : null;
    }

    private static int Uint24(ReadOnlySpan<byte> bytes) => (bytes[0] << 16) | (bytes[1] << 8) | bytes[2];
}
