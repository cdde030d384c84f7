using System.ClientModel;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ModelContextProtocol.AspNetCore;
using OamOrleans.Client;
using OamOrleans.Hosting;
using OamOrleans.Protocol;
using OpenAI;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace OamOrleans.Docs.Snippets;

#region SummarizeAgent
[Agent("team.summarize", Description = "Summarizes a text.")]
public sealed class SummarizeAgent(IChatClient model) : Agent<string, string>
{
    protected override async Task<string> HandleAsync(string text, AgentContext context) =>
        (await model.GetResponseAsync($"Summarize: {text}")).Text;    // X-Mesh-Usage: {"input_tokens":…,"model":"gpt-4o-mini"}
}
#endregion

/// <summary>A middleware class: one instance from the silo's services, run for every request to this silo's agents.</summary>
public sealed class AuditMiddleware : IAgentMiddleware
{
    public async Task InvokeAsync(AgentInvocation invocation, Func<Task> nextStep)
    {
        await nextStep();
        await invocation.LogAsync("info", "audited", $"{invocation.AgentName}: {invocation.Status}");
    }
}

internal static class AiAndWeb
{
    public static async Task ToolsAsync()
    {
        #region MeshToolsForModel
        await using var mesh = await MeshClient.ConnectAsync();
        IChatClient model = new OpenAIClient(new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new("http://localhost:11434/v1") })
            .GetChatClient("llama3.2").AsIChatClient();                          // Microsoft.Extensions.AI.OpenAI
        using var chat = new ChatClientBuilder(model).UseFunctionInvocation().Build();
        var tools = await mesh.GetAIFunctionsAsync(new MeshToolOptions { Channel = "demo" });   // or Tags = [...], Names = [...]
        var response = await chat.GetResponseAsync("Greet Ann, then echo the greeting.", new ChatOptions { Tools = [.. tools] });
        #endregion
        Console.WriteLine(response.Text);
    }

    public static void ChatClient(ISiloBuilder silo, string apiKey)
    {
        #region AddAgentChatClient
        silo.AddAgentChatClient(sp => new OpenAIClient(apiKey).GetChatClient("gpt-4o-mini").AsIChatClient());
        #endregion
    }

    public static void McpOut(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        #region MeshMcpServer
        builder.Services.AddMeshClient("nats://127.0.0.1:4222");           // the tool set calls agents through a MeshClient
        builder.Services.AddMeshMcpServer(o => o.DefaultExport = true)
            .WithHttpTransport(o => o.SessionMode = HttpServerSessionMode.StatefulForInitializeClients); // sessions: list_changed
        var app = builder.Build();
        app.MapMeshMcp("/mcp");
        #endregion
        app.Run();
    }

    public static void McpIn(HostApplicationBuilder builder)
    {
        #region McpServerAgents
        builder.UseOrleans(silo => silo
            .AddOpenAgentMesh("nats://127.0.0.1:4222")
            // a stdio server: a command started (and restarted) by the silo
            .AddMcpServerAgents("files", "npx", "-y", "@modelcontextprotocol/server-filesystem", "/srv/shared")
            // a streamable HTTP server
            .AddMcpServerAgents("search", new Uri("http://127.0.0.1:8080/mcp"))
            // every option: Command/Arguments/Environment/WorkingDirectory or Url, CallTimeout, RestartDelay, MaxRestartDelay
            .AddMcpServerAgents("test", o =>
            {
                o.Command = "dotnet";
                o.Arguments.Add("tests/OamOrleans.Mcp.TestServer/bin/Release/net10.0/oam-mcp-test-server.dll");
                o.CallTimeout = TimeSpan.FromSeconds(30);
            }));
        #endregion
    }

    public static void AdminUi(WebApplicationBuilder builder)
    {
        #region AdminUi
        builder.Services.AddOamAdminUi(o => o.Endpoint = new("nats://127.0.0.1:4222"));   // AdminUiOptions: Endpoint, buckets, ServiceId
        var app = builder.Build();
        app.MapOamAdminUi();                                        // pages, /_blazor, /_framework/blazor.web.js, /_oam/admin.css
        #endregion
        app.Run();
    }

    public static void Health(string[] args)
    {
        #region HealthAndMetrics
        var builder = WebApplication.CreateBuilder(args);
        builder.UseOrleans(silo => silo.AddOpenAgentMesh("nats://nats:4222").AddAgentsFromAssembly(typeof(EchoAgent).Assembly));
        builder.Services.AddHealthChecks().AddOpenAgentMeshChecks();     // nats, bridge, agents, silo (tag "ready")
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddOpenAgentMeshInstrumentation().AddPrometheusExporter());
        var app = builder.Build();
        app.MapOpenAgentMeshHealth();                                     // /health/live, /health/ready
        app.MapPrometheusScrapingEndpoint();                              // /metrics
        app.Run();
        #endregion
    }

    public static void Otlp(HostApplicationBuilder builder)
    {
        #region OtlpExport
        builder.Services.AddOpenTelemetry()
            .WithTracing(t => t.AddSource(MeshTelemetry.ActivitySourceName, "Microsoft.Orleans.Application").AddOtlpExporter())
            .WithMetrics(m => m.AddMeter(MeshTelemetry.MeterName, "Microsoft.Orleans").AddOtlpExporter());
        #endregion
    }

    public static void Middleware(ISiloBuilder silo)
    {
        #region Middleware
        silo.AddAgentMiddleware<AuditMiddleware>();                       // one instance from the silo's services
        silo.AddAgentMiddleware(async (invocation, next) =>                // or a delegate
        {
            invocation.Headers.TryGetValue("X-Tenant", out var tenant);
            if (tenant == "blocked")
                throw new MeshException("forbidden", "This tenant may not call agents");   // short-circuit: the caller gets this code
            await next();                                                   // the next middleware, then the agent
            invocation.ReportUsage(new MeshUsage { EstimatedCostUsd = 0.001 });           // reaches X-Mesh-Usage of a reply
            await invocation.LogAsync("info", "tenant_call", $"{tenant} -> {invocation.Status}");   // mesh.logs.{agent}
        });
        #endregion
    }
}
