using System.Text;

namespace OamOrleans.Cli.Tests;

/// <summary>
/// Runs the <c>oam</c> command tree in this test process (<see cref="OamCli.RunAsync"/>) with captured stdout and stderr
/// and its own stdin, instead of starting <c>dotnet oam.dll</c>: the same parser, actions, messages and exit codes,
/// without a process start per command. The mesh URL goes in as the root <c>--url</c> (the test process's environment
/// and working directory are shared by every test, so nothing here reads or changes them).
/// </summary>
public static class OamInProcess
{
    /// <summary>Runs <c>oam [--url url] args</c> to completion; stdin is empty unless <paramref name="stdin"/> is given.</summary>
    public static async Task<OamResult> RunAsync(IEnumerable<string> args, string? url = null, string? stdin = null, TimeSpan? timeout = null)
    {
        var argv = Args(args, url);
        var stdout = new CapturedWriter();
        var stderr = new CapturedWriter();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        int exit;
        try
        {
            exit = await OamCli.RunAsync(argv, Invocation(stdout, stderr, stdin), cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            exit = -1;
        }

        if (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"oam {string.Join(' ', argv)} did not finish:\n{stdout}\n{stderr}");
        }

        return new OamResult(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Starts a long-running command (listen, subscribe, watch); disposing it cancels it as Ctrl-C would.</summary>
    public static RunningCommand StartLong(IEnumerable<string> args, string? url = null) => new Running(Args(args, url));

    private static string[] Args(IEnumerable<string> args, string? url) => url is null ? [.. args] : ["--url", url, .. args];

    private static OamInvocation Invocation(TextWriter stdout, TextWriter stderr, string? stdin) => new()
    {
        Output = stdout,
        Error = stderr,
        Input = new StringReader(stdin ?? ""),
        // The test process's Ctrl-C and SIGTERM are not the command's: it stops on its token.
        ProcessTerminationTimeout = null,
    };

    private sealed class Running : RunningCommand
    {
        private readonly CapturedWriter _stdout = new();
        private readonly CapturedWriter _stderr = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task<int> _run;

        public Running(string[] argv) =>
            _run = Task.Run(() => OamCli.RunAsync(argv, Invocation(_stdout, _stderr, stdin: null), _stop.Token));

        public override string Stdout => _stdout.ToString();

        public override string Stderr => _stderr.ToString();

        public override bool HasExited => _run.IsCompleted;

        public override int ExitCode => _run.IsCompleted ? _run.Result : throw new InvalidOperationException("still running");

        public override async Task<int> WaitForExitAsync(TimeSpan timeout) => await _run.WaitAsync(timeout);

        public override async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _run.WaitAsync(TimeSpan.FromSeconds(20));
            }
            finally
            {
                _stop.Dispose();
            }
        }
    }

    /// <summary>A string writer that a running command writes to while the test reads it.</summary>
    private sealed class CapturedWriter : TextWriter
    {
        private readonly StringBuilder _text = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }

        public override void Write(char[] buffer, int index, int count)
        {
            lock (_text)
            {
                _text.Append(buffer, index, count);
            }
        }

        public override string ToString()
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }
}
