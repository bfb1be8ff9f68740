using System.Text;
using MrdSimulator.Domain.Errors;

namespace MrdSimulator.Domain.Xml;

/// <summary>
/// Error bodies. HTTP responses use capitalised <c>ApiErrors/ApiError/ErrorData…</c>; asynchronous error
/// Updates use lower-camel <c>apiErrors/apiError/errorData…</c> (G125-367).
/// </summary>
public static class ApiErrorsXml
{
    public static string Http(ApiError error)
    {
        var sb = new StringBuilder(320).Append(XmlOut.Declaration);
        new XmlOut(sb).Open("ApiErrors").Open("ApiError")
            .Element("ErrorData", error.ErrorData)
            .Raw(error.ErrorMedia is null ? string.Empty : $"<ErrorMedia>{XmlOut.Escape(error.ErrorMedia)}</ErrorMedia>")
            .Element("ErrorMessage", error.ErrorMessage)
            .Element("ErrorType", error.ErrorType)
            .Close("ApiError").Close("ApiErrors");
        return sb.ToString();
    }

    public static void WriteAsync(XmlOut x, ApiError error)
    {
        x.Open("apiErrors").Open("apiError").Element("errorData", error.ErrorData);
        if (error.ErrorMedia is not null)
        {
            x.Element("errorMedia", error.ErrorMedia);
        }

        x.Element("errorMessage", error.ErrorMessage).Element("errorType", error.ErrorType).Close("apiError").Close("apiErrors");
    }
}
