using System.Diagnostics;
using System.Text;

namespace OamOrleans.Interop.Tests;

/// <summary>Runs a command to completion with a deadline, capturing stdout and stderr interleaved.</summary>
internal static class ExternalProcess
{
    public sealed record Result(int ExitCode, string Output, TimeSpan Duration);

    public static async Task<Result> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(fileName, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        var output = new StringBuilder();
        void Append(string? line)
        {
            if (line is not null)
            {
                lock (output)
                {
                    output.AppendLine(line);
                }
            }
        }

        var watch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run '{fileName}' (is it installed and on PATH?): {e.Message}", e);
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Append($"[killed: '{fileName} {string.Join(' ', arguments)}' did not finish within {timeout.TotalSeconds:0} s]");
            return new Result(-1, Snapshot(), watch.Elapsed);
        }

        // WaitForExitAsync returns after the redirected streams reached EOF.
        return new Result(process.ExitCode, Snapshot(), watch.Elapsed);

        string Snapshot()
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }
}
