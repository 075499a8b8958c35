using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace LogCollectorExporter.Tests.Support;

/// <summary>
/// <c>openssl s_server</c> on 127.0.0.1, TLS 1.2 only, demanding a client certificate the way OpenSSL servers (and a
/// collector's port 3978) do: a client that brings none gets a handshake_failure alert in the middle of the handshake,
/// which .NET's SslStream sees before its validation callback runs.
/// </summary>
public sealed class OpenSslServer : IDisposable
{
    private readonly Process process;

    private OpenSslServer(Process process, int port)
    {
        this.process = process;
        Port = port;
    }

    public int Port { get; }

    public static async Task<OpenSslServer> StartAsync(X509Certificate2 certificate)
    {
        // Read at its start: gone once it listens.
        using var directory = new TempDirectory();
        var certificateFile = directory.Write("server.crt", certificate.ExportCertificatePem());
        var keyFile = directory.Write("server.key", certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        var info = new ProcessStartInfo(Tools.Find("openssl"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["s_server", "-accept", "127.0.0.1:0", "-cert", certificateFile, "-key", keyFile, "-Verify", "1", "-tls1_2"])
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("openssl s_server did not start");
        _ = process.StandardError.ReadToEndAsync();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (await process.StandardOutput.ReadLineAsync(patience.Token) is { } line)
        {
            if (line.StartsWith("ACCEPT 127.0.0.1:", StringComparison.Ordinal))
            {
                // Its output is not read from here on: a line each connection, far less than the pipe holds in a test.
                return new OpenSslServer(process, int.Parse(line["ACCEPT 127.0.0.1:".Length..], CultureInfo.InvariantCulture));
            }
        }

        process.Kill();
        throw new InvalidOperationException("openssl s_server ended without listening");
    }

    public void Dispose()
    {
        process.Kill();
        process.WaitForExit();
        process.Dispose();
    }
}
