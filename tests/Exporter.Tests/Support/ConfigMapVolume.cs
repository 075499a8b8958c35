using System.Runtime.InteropServices;

namespace LogCollectorExporter.Tests.Support;

/// <summary>
/// A ConfigMap (or Secret) volume as the kubelet mounts it: each file, such as <c>collectors.yaml</c>, is a symlink to
/// <c>..data/collectors.yaml</c>, <c>..data</c> a symlink to the current timestamped directory; an update writes a new
/// directory and renames a new <c>..data</c> symlink over the old one, atomically, every file at once.
/// </summary>
public sealed class ConfigMapVolume
{
    private readonly string path;
    private int revision;

    /// <summary>Creates the volume at <paramref name="path"/> holding <paramref name="content"/> as its first revision of collectors.yaml.</summary>
    public ConfigMapVolume(string path, string content)
        : this(path, new Dictionary<string, string> { ["collectors.yaml"] = content })
    {
    }

    /// <summary>Creates the volume at <paramref name="path"/> holding these files (name to content) as its first revision.</summary>
    public ConfigMapVolume(string path, IReadOnlyDictionary<string, string> files)
    {
        this.path = path;
        Directory.CreateDirectory(path);
        Publish(files);
        foreach (var name in files.Keys)
        {
            System.IO.File.CreateSymbolicLink(Path.Combine(path, name), $"..data/{name}");
        }
    }

    /// <summary>The file the exporter is given: the symlink that always points into the current revision.</summary>
    public string ConfigFile => File("collectors.yaml");

    /// <summary>The path of one of the volume's files.</summary>
    public string File(string name) => Path.Combine(path, name);

    /// <summary>A new revision of collectors.yaml, as the kubelet writes a ConfigMap update.</summary>
    public void Publish(string content) => Publish(new Dictionary<string, string> { ["collectors.yaml"] = content });

    /// <summary>A new revision of every file, as the kubelet writes an update (cert-manager renewing a Secret).</summary>
    public void Publish(IReadOnlyDictionary<string, string> files)
    {
        var name = $"..2026_11_27_10_00_00.{++revision:D9}";
        Directory.CreateDirectory(Path.Combine(path, name));
        foreach (var (file, content) in files)
        {
            System.IO.File.WriteAllText(Path.Combine(path, name, file), content);
        }

        var temporary = Path.Combine(path, "..data_tmp");
        System.IO.File.CreateSymbolicLink(temporary, name);
        if (Rename(temporary, Path.Combine(path, "..data")) != 0)
        {
            throw new IOException($"rename of ..data failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename(string from, string to);
}
