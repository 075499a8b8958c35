using System.Security.Cryptography;
using System.Text;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// Reads the files a configuration is made of and fingerprints their content, so that a change on disk
/// (an edit, an atomic rename, a Kubernetes ConfigMap symlink swap) is noticed by content, not by timestamps.
/// </summary>
public sealed class ConfigFiles
{
    private readonly List<string> paths = [];
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public IReadOnlyList<string> Paths => paths;

    public byte[] ReadAllBytes(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException(path, $"cannot read the file: {e.Message}");
        }

        paths.Add(path);
        Append(hash, path, bytes);
        return bytes;
    }

    public string Fingerprint() => Convert.ToHexString(hash.GetCurrentHash());

    /// <summary>The fingerprint the given files have on disk now; a missing or unreadable file counts as a change.</summary>
    public static string FingerprintOnDisk(IEnumerable<string> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var path in files)
        {
            try
            {
                Append(hash, path, File.ReadAllBytes(path));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Append(hash, path, Encoding.UTF8.GetBytes("unreadable: " + e.GetType().Name));
            }
        }

        return Convert.ToHexString(hash.GetCurrentHash());
    }

    private static void Append(IncrementalHash hash, string path, byte[] bytes)
    {
        hash.AppendData(Encoding.UTF8.GetBytes(path + "\0"));
        hash.AppendData(SHA256.HashData(bytes));
    }
}
