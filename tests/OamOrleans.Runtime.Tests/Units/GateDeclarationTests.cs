using System.Text;

namespace OamOrleans.Runtime.Tests.Units;

/// <summary>
/// The one lifecycle-gate attribute: a declaration names exactly one gate (a KV key or a control subject), is checked at
/// start-up with a message naming the agent class, and builds the condition it describes.
/// </summary>
public sealed class GateDeclarationTests
{
    public static TheoryData<ActiveWhenAttribute> Unusable => new()
    {
        new ActiveWhenAttribute(),
        new ActiveWhenAttribute { Kv = "flags.a", Subject = "control.a" },
        new ActiveWhenAttribute { Kv = " " },
        new ActiveWhenAttribute { Subject = "" },
    };

    [Theory]
    [MemberData(nameof(Unusable))]
    public void A_gate_without_exactly_one_kv_key_or_subject_is_refused_naming_the_agent(ActiveWhenAttribute gate)
    {
        var error = Assert.Throws<ArgumentException>(() => gate.CreateCondition(typeof(GateDeclarationTests)));

        Assert.Contains(typeof(GateDeclarationTests).FullName!, error.Message);
        Assert.Contains("exactly one of Kv", error.Message);
    }

    [Fact]
    public void A_condition_type_that_is_not_a_gate_condition_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new ActiveWhenAttribute { Kv = "flags.a", Condition = typeof(string) }.CreateCondition(typeof(GateDeclarationTests)));

        Assert.Contains("must implement IGateCondition", error.Message);
    }

    [Fact]
    public void The_condition_is_json_truthy_by_default_when_equals_with_WhenEquals_and_the_declared_type_otherwise()
    {
        var truthy = new ActiveWhenAttribute { Kv = "flags.a" }.CreateCondition(typeof(GateDeclarationTests));
        var equals = new ActiveWhenAttribute { Subject = "control.>", WhenEquals = "on" }.CreateCondition(typeof(GateDeclarationTests));
        var custom = new ActiveWhenAttribute { Kv = "flags.a", Condition = typeof(OpenOnGo) }.CreateCondition(typeof(GateDeclarationTests));

        Assert.Equal((true, false, false), (truthy.IsOpen(Bytes("1")), truthy.IsOpen(Bytes("{}")), truthy.IsOpen(null)));
        Assert.Equal((true, true, false), (equals.IsOpen(Bytes("on")), equals.IsOpen(Bytes("\"on\"")), equals.IsOpen(Bytes("true"))));
        Assert.Equal((true, false), (custom.IsOpen(Bytes("go")), custom.IsOpen(Bytes("true"))));
    }

    private static ReadOnlyMemory<byte>? Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
