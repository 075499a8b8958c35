using System.Reflection;
using System.Runtime.InteropServices;

namespace LogCollectorExporter.Platform;

/// <summary>The version and source revision stamped into the assembly at build time, and the runtime it runs on.</summary>
public sealed record BuildInfo(string Version, string Revision, string Runtime)
{
    public static BuildInfo Current { get; } = Read();

    private static BuildInfo Read()
    {
        // The SDK writes "<version>+<git commit>" when it builds in a git checkout.
        var informational = typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var parts = informational.Split('+', 2);
        var nativeAot = AppContext.TryGetSwitch("LogCollectorExporter.NativeAot", out var isNativeAot) && isNativeAot;
        var runtime = RuntimeInformation.FrameworkDescription + (nativeAot ? " NativeAOT" : "");
        return new BuildInfo(parts[0], parts.Length > 1 ? parts[1] : "unknown", runtime);
    }
}
