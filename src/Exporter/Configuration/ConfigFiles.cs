using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Text;
using LogCollectorExporter.Platform;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// Reads the files a configuration is made of and fingerprints their content, so that a change on disk (an edit, an
/// atomic rename, a ConfigMap symlink swap) is noticed by content; a file is read again only when its
/// <see cref="FileStamp"/> changed. Only regular files are read: a FIFO would block a reload, and a device may never end.
/// </summary>
/// <remarks>
/// A fingerprint is XxHash128, not a cryptographic hash: it tells a change from none, against no one (who can write the
/// files can change the configuration anyway). SHA-256 would load OpenSSL into every exporter for this alone
/// (docs/benchmarks.md, "OpenSSL left unloaded").
/// </remarks>
public sealed class ConfigFiles
{
    /// <summary>Larger than any configuration (a Kubernetes ConfigMap holds at most 1 MiB); also stops a read of an endless file such as /dev/zero.</summary>
    public const int MaxFileBytes = 16 * 1024 * 1024;

    /// <summary>Larger than any saved Panorama configuration the exporter expects; read a stream at a time, never held whole.</summary>
    public const long MaxStreamedFileBytes = 1024L * 1024 * 1024;

    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long a changed file must stay as it is before it is read: a file is not applied half written.</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A file written this shortly before it was read may be written again with the same stamp (the kernel's file times
    /// advance in steps): its content is read again next time, as git does with a "racily clean" file.
    /// </summary>
    private static readonly TimeSpan RacyWindow = TimeSpan.FromSeconds(1);

    /// <summary>The content hash of each file last read, with the stamp it had then; bounded by the files a configuration names.</summary>
    private static readonly ConcurrentDictionary<string, (FileStamp Stamp, byte[] Hash)> Known = new(StringComparer.Ordinal);

    private const int MaxKnown = 1024;

    private readonly List<string> paths = [];
    private readonly XxHash128 hash = NewFingerprint();

    public IReadOnlyList<string> Paths => paths;

    /// <exception cref="ConfigurationException">The file cannot be read, is not a regular file, or is larger than <see cref="MaxFileBytes"/>.</exception>
    public byte[] ReadAllBytes(string path) => Read(path, MaxFileBytes, stream =>
    {
        using var content = new MemoryStream();
        stream.CopyTo(content);
        return content.ToArray();
    });

    /// <summary>Reads a file too large to hold (a saved Panorama configuration) a buffer at a time, and fingerprints all of it.</summary>
    /// <exception cref="ConfigurationException">As <see cref="ReadAllBytes"/>, up to <see cref="MaxStreamedFileBytes"/>.</exception>
    public T Read<T>(string path, Func<Stream, T> read) => Read(path, MaxStreamedFileBytes, read);

    public string Fingerprint() => Convert.ToHexString(hash.GetCurrentHash());

    /// <summary>Adds a file that could not be read (or did not hold what it should) to those fingerprinted, as it is on disk now.</summary>
    public void Watch(string path)
    {
        if (!paths.Contains(path))
        {
            paths.Add(path);
            Append(hash, path, HashOnDisk(path));
        }
    }

    /// <summary>The hash every fingerprint of the configuration is made with (see the remarks).</summary>
    public static XxHash128 NewFingerprint() => new();

    /// <summary>The fingerprint the files have on disk now; a file whose stamp has not changed since it was read is not read again.</summary>
    public static string FingerprintOnDisk(IEnumerable<string> files)
    {
        var hash = NewFingerprint();
        foreach (var path in files)
        {
            Append(hash, path, HashOnDisk(path));
        }

        return Convert.ToHexString(hash.GetCurrentHash());
    }

    /// <summary>
    /// Looks every <see cref="PollInterval"/> at the stamps of the files <paramref name="running"/> gives; once they have
    /// changed and stayed so for <see cref="SettleTime"/>, calls <paramref name="changed"/> if their content differs from
    /// the last content seen: content a reload rejected is not tried again, and content put back to what is running is
    /// a reload too, so that a failed reload's state ends when its cause is undone.
    /// </summary>
    /// <param name="running">The files what is in use now was read from, and their fingerprint then.</param>
    public static async Task WatchAsync(
        Func<(IReadOnlyList<string> Files, string Fingerprint)> running, Func<CancellationToken, Task> changed, TimeProvider time, CancellationToken stoppingToken)
    {
        var seen = running().Fingerprint;
        FileStamp?[] stamps = [];
        FileStamp?[]? compared = null;
        var stableSince = time.GetUtcNow();
        using var timer = new PeriodicTimer(PollInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var (files, _) = running();
                var now = files.Select(Native.Stat).ToArray();
                if (!now.SequenceEqual(stamps))
                {
                    (stamps, stableSince) = (now, time.GetUtcNow());
                    continue;
                }

                if (time.GetUtcNow() - stableSince < SettleTime || (compared is not null && now.SequenceEqual(compared)))
                {
                    continue;
                }

                compared = now;
                var onDisk = FingerprintOnDisk(files);
                if (onDisk != seen)
                {
                    seen = onDisk;
                    await changed(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The exporter is stopping.
        }
    }

    private T Read<T>(string path, long maxBytes, Func<Stream, T> read)
    {
        var before = Native.Stat(path);
        if (before is { Kind: not FileKind.Regular } irregular)
        {
            throw new ConfigurationException(path, $"is {Describe(irregular.Kind)}, not a regular file: a configuration is read again at every reload, which only a file can be");
        }

        (T Result, byte[] Hash) content;
        try
        {
            content = ReadHashed(path, before, maxBytes, read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException(path, $"cannot read the file: {e.Message}");
        }

        paths.Add(path);
        Append(hash, path, content.Hash);
        return content.Result;
    }

    /// <summary>
    /// Reads a file through <paramref name="read"/>, and hashes all of it through a pooled buffer: the file is never
    /// copied, as a copy at every look would pile up garbage between two full collections.
    /// </summary>
    private static (T Result, byte[] Hash) ReadHashed<T>(string path, FileStamp? before, long maxBytes, Func<Stream, T> read)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        using var content = new HashingStream(file, maxBytes, path);
        var result = read(content);
        var contentHash = content.HashToEnd();
        Remember(path, before, contentHash);
        return (result, contentHash);
    }

    /// <summary>
    /// The hash of a file's content as it is on disk: from <see cref="Known"/> when its stamp is the one it had when read.
    /// What stands for the file when it cannot be read, is not a regular file (which is not opened), or has more than
    /// <see cref="MaxStreamedFileBytes"/>.
    /// </summary>
    private static byte[] HashOnDisk(string path)
    {
        var before = Native.Stat(path);
        if (before is not { Kind: FileKind.Regular } stamp)
        {
            return XxHash128.Hash(Encoding.UTF8.GetBytes(before is null ? "missing or unreachable" : $"not a regular file: {before.Value.Kind}"));
        }

        if (Known.TryGetValue(path, out var known) && known.Stamp == stamp)
        {
            return known.Hash;
        }

        try
        {
            return ReadHashed(path, stamp, MaxStreamedFileBytes, _ => 0).Hash;
        }
        catch (ConfigurationException)
        {
            return XxHash128.Hash("too large"u8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return XxHash128.Hash(Encoding.UTF8.GetBytes("unreadable: " + e.GetType().Name));
        }
    }

    /// <summary>Keeps the hash under the stamp the file had before, if it still has it and was not written just before.</summary>
    private static void Remember(string path, FileStamp? before, byte[] contentHash)
    {
        // The file's times are the kernel's real clock, whatever clock the exporter runs on.
        if (before is not { } stamp || Native.Stat(path) != stamp || TimeProvider.System.GetUtcNow() - stamp.ChangedAt < RacyWindow)
        {
            Known.TryRemove(path, out _);
            return;
        }

        if (Known.Count >= MaxKnown)
        {
            Known.Clear();
        }

        Known[path] = (stamp, contentHash);
    }

    private static string Describe(FileKind kind) => kind switch
    {
        FileKind.Directory => "a directory",
        FileKind.Fifo => "a FIFO (a named pipe)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        _ => "not a file",
    };

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
            CopyTo(Stream.Null);
            return hash.GetHashAndReset();
        }

        protected override void Consumed(ReadOnlySpan<byte> bytes) => hash.Append(bytes);
    }
}
