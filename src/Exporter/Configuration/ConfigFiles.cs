using System.IO.Hashing;
using System.Text;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// Reads the files a configuration is made of and fingerprints their content, so that a change on disk
/// (an edit, an atomic rename, a Kubernetes ConfigMap symlink swap) is noticed by content, not by timestamps.
/// </summary>
/// <remarks>
/// A fingerprint is XxHash128 (<see cref="NewFingerprint"/>), not a cryptographic hash: it tells a change from none,
/// and nothing relies on it against someone who can write the files, who could change the configuration anyway. A
/// SHA-256 would load OpenSSL into every exporter at start for this alone, 3 MiB of its resident memory
/// (docs/benchmarks.md); OpenSSL is loaded only for TLS and live Panorama sources.
/// </remarks>
public sealed class ConfigFiles
{
    /// <summary>Larger than any configuration (a Kubernetes ConfigMap holds at most 1 MiB); also stops a read of an endless file such as /dev/zero.</summary>
    public const int MaxFileBytes = 16 * 1024 * 1024;

    /// <summary>Larger than any saved Panorama configuration the exporter expects; read a stream at a time, never held whole.</summary>
    public const long MaxStreamedFileBytes = 1024L * 1024 * 1024;

    /// <summary>How often <see cref="WatchAsync"/> compares the files on disk with what was read.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly List<string> paths = [];
    private readonly XxHash128 hash = NewFingerprint();

    public IReadOnlyList<string> Paths => paths;

    /// <summary>Reads a whole file, and fingerprints it.</summary>
    /// <exception cref="ConfigurationException">The file cannot be read or is larger than <see cref="MaxFileBytes"/>.</exception>
    public byte[] ReadAllBytes(string path) => Read(path, MaxFileBytes, stream =>
    {
        using var content = new MemoryStream();
        stream.CopyTo(content);
        return content.ToArray();
    });

    /// <summary>
    /// Reads a file a buffer at a time through <paramref name="read"/> (a file too large to hold, such as a saved Panorama
    /// configuration), and fingerprints all of it, whatever <paramref name="read"/> left unread.
    /// </summary>
    /// <exception cref="ConfigurationException">The file cannot be read or is larger than <see cref="MaxStreamedFileBytes"/>.</exception>
    public T Read<T>(string path, Func<Stream, T> read) => Read(path, MaxStreamedFileBytes, read);

    public string Fingerprint() => Convert.ToHexString(hash.GetCurrentHash());

    /// <summary>The hash every fingerprint of the configuration is made with (see the remarks).</summary>
    public static XxHash128 NewFingerprint() => new();

    /// <summary>The fingerprint the given files have on disk now; a missing or unreadable file counts as a change.</summary>
    public static string FingerprintOnDisk(IEnumerable<string> files)
    {
        var hash = NewFingerprint();
        foreach (var path in files)
        {
            try
            {
                Append(hash, path, HashOnDisk(path) ?? XxHash128.Hash("too large"u8));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Append(hash, path, XxHash128.Hash(Encoding.UTF8.GetBytes("unreadable: " + e.GetType().Name)));
            }
        }

        return Convert.ToHexString(hash.GetCurrentHash());
    }

    /// <summary>
    /// Until <paramref name="stoppingToken"/> is cancelled, compares every <see cref="PollInterval"/> the content on disk of
    /// the files that <paramref name="running"/> gives with the fingerprint they had when read, and calls
    /// <paramref name="changed"/> when they differ, once per new content: content that a reload already rejected is not
    /// tried again until it changes again.
    /// </summary>
    /// <param name="running">The files what is in use now was read from, and their fingerprint then.</param>
    public static async Task WatchAsync(
        Func<(IReadOnlyList<string> Files, string Fingerprint)> running, Func<CancellationToken, Task> changed, TimeProvider time, CancellationToken stoppingToken)
    {
        var seen = running().Fingerprint;
        using var timer = new PeriodicTimer(PollInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var (files, fingerprint) = running();
                var onDisk = FingerprintOnDisk(files);
                if (onDisk == fingerprint || onDisk == seen)
                {
                    seen = onDisk;
                    continue;
                }

                seen = onDisk;
                await changed(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The exporter is stopping.
        }
    }

    private T Read<T>(string path, long maxBytes, Func<Stream, T> read)
    {
        T result;
        byte[] contentHash;
        try
        {
            using var file = Open(path);
            using var content = new HashingStream(file, maxBytes, path);
            result = read(content);
            contentHash = content.HashToEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException(path, $"cannot read the file: {e.Message}");
        }

        paths.Add(path);
        Append(hash, path, contentHash);
        return result;
    }

    private static FileStream Open(string path) => new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);

    /// <summary>
    /// The fingerprint of the file's content, read through a buffer on the stack: polled every second, the file is never
    /// copied (a copy of a 300 KB file a second grew the exporter's RSS by 10 MB between two full collections). Null when
    /// it has more than <see cref="MaxStreamedFileBytes"/>, the most any file of a configuration may have.
    /// </summary>
    private static byte[]? HashOnDisk(string path)
    {
        using var file = Open(path);
        using var content = new HashingStream(file, MaxStreamedFileBytes, path);
        try
        {
            return content.HashToEnd();
        }
        catch (ConfigurationException)
        {
            return null;
        }
    }

    private static void Append(XxHash128 hash, string path, byte[] contentHash)
    {
        hash.Append(Encoding.UTF8.GetBytes(path + "\0"));
        hash.Append(contentHash);
    }

    /// <summary>Reads through to the file, hashing every byte, and stops a file that never ends.</summary>
    private sealed class HashingStream(Stream inner, long maxBytes, string path)
        : BoundedStream(inner, maxBytes, () => new ConfigurationException(path, $"is larger than {maxBytes / 1024 / 1024} MiB, which no configuration is"))
    {
        private readonly XxHash128 hash = NewFingerprint();

        /// <summary>The hash of the whole file: what the reader did not read is read now.</summary>
        public byte[] HashToEnd()
        {
            Span<byte> rest = stackalloc byte[8192];
            int read;
            do
            {
                read = Read(rest);
            }
            while (read > 0);

            return hash.GetHashAndReset();
        }

        protected override void Consumed(ReadOnlySpan<byte> bytes) => hash.Append(bytes);
    }
}
