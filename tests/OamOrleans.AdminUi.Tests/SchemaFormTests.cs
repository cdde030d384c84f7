using System.Text.Json.Nodes;
using OamOrleans.AdminUi.Mesh;

namespace OamOrleans.AdminUi.Tests;

public sealed class SchemaFormTests
{
    [Fact]
    public void An_object_schema_gets_one_typed_field_per_property_and_builds_its_payload()
    {
        var form = SchemaForm.For(JsonNode.Parse("""
            {"type":"object","required":["name","count"],"properties":{
              "name":{"type":"string"},"count":{"type":"integer"},"ratio":{"type":["number","null"]},
              "loud":{"type":"boolean"},"mode":{"enum":["a","b"]},"tags":{"type":"array","items":{"type":"string"}},
              "note":{"type":"string"}}}
            """));
        Assert.Equal(
            [FieldKind.Text, FieldKind.Integer, FieldKind.Number, FieldKind.Boolean, FieldKind.Choice, FieldKind.Json, FieldKind.Text],
            form.Fields.Select(f => f.Kind));
        Set(form, "name", "Ann");
        Set(form, "count", "3");
        Set(form, "ratio", "0.5");
        Set(form, "loud", "true");
        Set(form, "tags", """["x","y"]""");

        var payload = form.BuildPayload()!.AsObject();
        Assert.Equal("""{"name":"Ann","count":3,"ratio":0.5,"loud":true,"mode":"a","tags":["x","y"]}""", payload.ToJsonString());
    }

    [Fact]
    public void A_value_that_does_not_fit_its_field_names_the_field()
    {
        var form = SchemaForm.For(JsonNode.Parse("""{"type":"object","properties":{"ms":{"type":"integer"}},"required":["ms"]}"""));
        Set(form, "ms", "soon");
        var error = Assert.Throws<FormatException>(() => form.BuildPayload());
        Assert.Equal("ms: a whole number expected, got 'soon'.", error.Message);
    }

    [Fact]
    public void A_scalar_input_is_one_field_and_the_payload_is_its_value()
    {
        var form = SchemaForm.For(JsonNode.Parse("""{"type":"string"}"""));
        Assert.False(form.IsObject);
        Set(form, SchemaForm.WholeInput, "Ann");
        Assert.Equal("\"Ann\"", form.BuildPayload()!.ToJsonString());
    }

    [Fact]
    public void No_input_schema_is_a_bare_call_with_an_empty_object()
    {
        var form = SchemaForm.For(null);
        Assert.Empty(form.Fields);
        Assert.Equal("{}", form.BuildPayload()!.ToJsonString());
    }

    [Fact]
    public void A_local_ref_is_followed()
    {
        var form = SchemaForm.For(JsonNode.Parse("""{"$ref":"#/$defs/In","$defs":{"In":{"type":"object","properties":{"message":{"type":"string"}}}}}"""));
        Assert.Equal("message", Assert.Single(form.Fields).Name);
    }

    private static void Set(SchemaForm form, string name, string value) => form.Fields.Single(f => f.Name == name).Value = value;
}
