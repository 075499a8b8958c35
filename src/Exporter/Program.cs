using LogCollectorExporter;
using LogCollectorExporter.Configuration;

// First, so that no SIGHUP ends the process however early it comes (README, "Reload").
SighupReload.Install();

// Exit codes: 0 clean shutdown, 2 configuration error, 1 any other fatal error.
var (launch, exitCode) = Launch.Parse(args, Console.Out, Console.Error);
if (launch is null)
{
    return exitCode ?? 2;
}

try
{
    if (launch.Check)
    {
        return await ConfigCheck.RunAsync(launch, Console.Out);
    }

    HostSetup.ApplyToProcess();
    await using var app = ExporterApp.Create(launch);
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (e is ConfigurationException or IOException or InvalidOperationException or PlatformNotSupportedException)
{
    await Console.Error.WriteLineAsync($"logcollector-exporter: {e.Message}");
    return e is ConfigurationException ? 2 : 1;
}
