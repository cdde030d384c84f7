using OamOrleans.WebAuth;

namespace OamOrleans.Cli.Tests;

/// <summary>The login page's session cookie and the token comparison, on their own (the web port tests run them for real).</summary>
[Trait("Category", "Integration")]
public sealed class HttpTokenSessionTests
{
    private const string Token = "0123456789abcdef-token";
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_session_is_valid_until_it_expires_and_only_for_its_token()
    {
        var cookie = HttpTokenSession.Issue(Token, Now);
        Assert.True(HttpTokenSession.IsValid(cookie, Token, Now.AddHours(11)));
        Assert.False(HttpTokenSession.IsValid(cookie, Token, Now.Add(HttpTokenSession.Lifetime).AddSeconds(1)));
        Assert.False(HttpTokenSession.IsValid(cookie, "another-token-0123456789", Now));
        Assert.DoesNotContain(Token, cookie, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("abc.def")]
    [InlineData("99999999999")]
    public void Malformed_cookies_are_refused(string cookie) => Assert.False(HttpTokenSession.IsValid(cookie, Token, Now));

    [Fact]
    public void A_later_expiry_with_the_old_signature_is_refused()
    {
        var cookie = HttpTokenSession.Issue(Token, Now);
        var signature = cookie[(cookie.IndexOf('.', StringComparison.Ordinal) + 1)..];
        var extended = Now.AddYears(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) + "." + signature;
        Assert.False(HttpTokenSession.IsValid(extended, Token, Now));
    }

    [Theory]
    [InlineData(Token, true)]
    [InlineData("0123456789abcdef-tokeN", false)]
    [InlineData("", false)]
    public void Tokens_match_exactly(string given, bool matches) => Assert.Equal(matches, HttpTokenHandler.Matches(given, Token));
}
