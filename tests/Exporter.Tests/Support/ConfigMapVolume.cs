using System.Runtime.InteropServices;

namespace LogCollectorExporter.Tests.Support;

/// <summary>
/// A ConfigMap mounted as the kubelet mounts it: <c>collectors.yaml</c> is a symlink to <c>..data/collectors.yaml</c>,
/// <c>..data</c> a symlink to the current timestamped directory; an update writes a new directory and renames a new
/// <c>..data</c> symlink over the old one, atomically.
/// </summary>
public sealed class ConfigMapVolume
{
    private readonly string path;
    private int revision;

    /// <summary>Creates the volume at <paramref name="path"/> holding <paramref name="content"/> as its first revision.</summary>
    public ConfigMapVolume(string path, string content)
    {
        this.path = path;
        Directory.CreateDirectory(path);
        Publish(content);
        File.CreateSymbolicLink(ConfigFile, "..data/collectors.yaml");
    }

    /// <summary>The file the exporter is given: the symlink that always points into the current revision.</summary>
    public string ConfigFile => Path.Combine(path, "collectors.yaml");

    /// <summary>A new revision, as the kubelet writes a ConfigMap update.</summary>
    public void Publish(string content)
    {
        var name = $"..2026_11_27_10_00_00.{++revision:D9}";
        Directory.CreateDirectory(Path.Combine(path, name));
        File.WriteAllText(Path.Combine(path, name, "collectors.yaml"), content);
        var temporary = Path.Combine(path, "..data_tmp");
        File.CreateSymbolicLink(temporary, name);
        if (Rename(temporary, Path.Combine(path, "..data")) != 0)
        {
            throw new IOException($"rename of ..data failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename(string from, string to);
}
