Attribute VB_Name = "xltools_form"
' xltools: the buttons of the Chaoyang project expenditure self-evaluation form.
'
' The macros hand the work to Python through the classic xlwings add-in
' (xlwings.xlam, installed by the offline bundle's install script). The call is late-bound,
' Application.Run "xlwings.xlam!RunPython", so that:
'   * the workbook carries no VBA reference: a missing add-in cannot turn into a
'     MISSING reference that stops every macro of the workbook from compiling;
'   * the workbook does not embed xlwings.bas (~46 KB) that would have to match the
'     xlwings version installed with Python; the add-in and the Python package are
'     installed together and upgraded together.
' Where the button cannot work the user is told why and what works instead (the template's
' own formula checks, an annotated copy from "xltools check --annotate", the intranet check
' page of "xltools serve"):
'   * WPS Spreadsheets: xlwings drives Microsoft Excel only. WPS registers itself as
'     Ket.Application; its Application.Name is not "Microsoft Excel" and it runs from a
'     Kingsoft/WPS folder. Installing the add-in would not help, so the message says so;
'   * the xlwings add-in is not open in this Excel;
'   * RunPython could not start a process (security rules that block Office from creating
'     child processes), or Python ran and failed (RunPython returns -1).
' RunPython runs Python on the active workbook (the one whose button was pressed);
' the interpreter comes from the add-in's settings (xlwings ribbon or xlwings.conf).
'
' ASCII only: Chinese text is written as \uXXXX escapes and decoded by U().
Option Explicit

Private Const ADDIN_NAME As String = "xlwings.xlam"
Private Const RUN_PYTHON As String = "xlwings.xlam!RunPython"
Private Const FOLDER_PICKER As Long = 4 ' msoFileDialogFolderPicker (no Office library reference)

Private Const MSG_WPS As String = "\u201c\u68c0\u67e5\u8bc4\u5206\u201d\u6309\u94ae\u53ea\u80fd\u5728 Microsoft Excel " & _
    "\u4e2d\u4f7f\u7528\uff1a\u5b83\u901a\u8fc7 xlwings \u8c03\u7528 Python\uff0c\u800c xlwin" & _
    "gs \u4e0d\u652f\u6301 WPS \u8868\u683c\uff0c\u5b89\u88c5\u52a0\u8f7d\u9879\u4e5f\u65e0" & _
    "\u6d4e\u4e8e\u4e8b\u3002\u4ecd\u7136\u53ef\u4ee5\u4f7f\u7528\uff1a\u4e00\u3001\u6a21" & _
    "\u677f\u81ea\u5e26\u7684\u516c\u5f0f\u68c0\u67e5\uff08\u6267\u884c\u7387\u3001\u5f97" & _
    "\u5206\u3001\u603b\u5206\u3001\u7b49\u7ea7\u548c\u5fc5\u586b\u63d0\u793a\u4f1a\u81ea" & _
    "\u52a8\u663e\u793a\uff09\uff1b\u4e8c\u3001\u8bf7\u4fe1\u606f\u5316\u540c\u4e8b\u8fd0" & _
    "\u884c xltools check \u6587\u4ef6.xlsx --annotate \u6807\u6ce8\u7248.xlsx\uff0c\u751f" & _
    "\u6210\u5e26\u6807\u6ce8\u7684\u68c0\u67e5\u526f\u672c\uff1b\u4e09\u3001\u5728\u5185" & _
    "\u7f51\u68c0\u67e5\u9875\u9762\uff08xltools serve\uff09\u4e0a\u4f20\u672c\u6587\u4ef6" & _
    "\u68c0\u67e5\u3002"
Private Const MSG_NO_ADDIN As String = "\u672a\u627e\u5230 xlwings \u52a0\u8f7d\u9879\uff08xlwings.xlam\uff09\uff0c\u68c0\u67e5" & _
    "\u6ca1\u6709\u8fdb\u884c\u3002\u8bf7\u5173\u95ed Excel\uff0c\u8fd0\u884c\u79bb\u7ebf" & _
    "\u5b89\u88c5\u5305\u4e2d\u7684\u201c\u5b89\u88c5.bat\u201d\uff08\u5b83\u5b89\u88c5 xltoo" & _
    "ls \u548c xlwings \u52a0\u8f7d\u9879\uff09\uff0c\u518d\u91cd\u65b0\u6253\u5f00 Excel" & _
    "\uff1b\u5728\u547d\u4ee4\u63d0\u793a\u7b26\u4e2d\u8fd0\u884c python -m xltools doctor " & _
    "\u53ef\u67e5\u770b\u5b89\u88c5\u60c5\u51b5\u3002\u5728\u6b64\u4e4b\u524d\u4ecd\u7136" & _
    "\u53ef\u4ee5\u4f7f\u7528\uff1a\u4e00\u3001\u6a21\u677f\u81ea\u5e26\u7684\u516c\u5f0f" & _
    "\u68c0\u67e5\uff08\u6267\u884c\u7387\u3001\u5f97\u5206\u3001\u603b\u5206\u3001\u7b49" & _
    "\u7ea7\u548c\u5fc5\u586b\u63d0\u793a\u4f1a\u81ea\u52a8\u663e\u793a\uff09\uff1b\u4e8c" & _
    "\u3001\u8bf7\u4fe1\u606f\u5316\u540c\u4e8b\u8fd0\u884c xltools check \u6587\u4ef6.xlsx -" & _
    "-annotate \u6807\u6ce8\u7248.xlsx\uff0c\u751f\u6210\u5e26\u6807\u6ce8\u7684\u68c0\u67e5" & _
    "\u526f\u672c\uff1b\u4e09\u3001\u5728\u5185\u7f51\u68c0\u67e5\u9875\u9762\uff08xltools se" & _
    "rve\uff09\u4e0a\u4f20\u672c\u6587\u4ef6\u68c0\u67e5\u3002"
Private Const MSG_BLOCKED As String = "\u672a\u80fd\u542f\u52a8 Python\uff0c\u68c0\u67e5\u6ca1\u6709\u8fdb\u884c\u3002\u5e38" & _
    "\u89c1\u539f\u56e0\uff1a\u672c\u673a\u7684\u5b89\u5168\u7b56\u7565\uff08\u4f8b\u5982 Win" & _
    "dows Defender \u7684\u201c\u963b\u6b62\u6240\u6709 Office \u5e94\u7528\u7a0b\u5e8f\u521b" & _
    "\u5efa\u5b50\u8fdb\u7a0b\u201d\u89c4\u5219\uff09\u7981\u6b62 Excel \u542f\u52a8\u5176" & _
    "\u4ed6\u7a0b\u5e8f\u3002\u8bf7\u4fe1\u606f\u5316\u540c\u4e8b\u4e3a Excel \u653e\u884c" & _
    "\uff0c\u6216\u5728\u547d\u4ee4\u63d0\u793a\u7b26\u4e2d\u8fd0\u884c python -m xltools doc" & _
    "tor \u67e5\u770b\u5b89\u88c5\u60c5\u51b5\u3002\u5728\u6b64\u4e4b\u524d\u4ecd\u7136\u53ef" & _
    "\u4ee5\u4f7f\u7528\uff1a\u4e00\u3001\u6a21\u677f\u81ea\u5e26\u7684\u516c\u5f0f\u68c0" & _
    "\u67e5\uff08\u6267\u884c\u7387\u3001\u5f97\u5206\u3001\u603b\u5206\u3001\u7b49\u7ea7" & _
    "\u548c\u5fc5\u586b\u63d0\u793a\u4f1a\u81ea\u52a8\u663e\u793a\uff09\uff1b\u4e8c\u3001" & _
    "\u8bf7\u4fe1\u606f\u5316\u540c\u4e8b\u8fd0\u884c xltools check \u6587\u4ef6.xlsx --annot" & _
    "ate \u6807\u6ce8\u7248.xlsx\uff0c\u751f\u6210\u5e26\u6807\u6ce8\u7684\u68c0\u67e5\u526f" & _
    "\u672c\uff1b\u4e09\u3001\u5728\u5185\u7f51\u68c0\u67e5\u9875\u9762\uff08xltools serve" & _
    "\uff09\u4e0a\u4f20\u672c\u6587\u4ef6\u68c0\u67e5\u3002"
Private Const MSG_FAILED As String = "Python \u6ca1\u6709\u8fd0\u884c\u6210\u529f\uff08\u9519\u8bef\u4fe1\u606f\u89c1 xlwings " & _
    "\u7684\u4e0a\u4e00\u4e2a\u7a97\u53e3\uff09\uff0c\u68c0\u67e5\u6ca1\u6709\u5b8c\u6210" & _
    "\u3002\u8bf7\u5728\u547d\u4ee4\u63d0\u793a\u7b26\u4e2d\u8fd0\u884c python -m xltools doc" & _
    "tor \u67e5\u770b Python\u3001xltools \u548c xlwings \u662f\u5426\u88c5\u597d\u3001\u7248" & _
    "\u672c\u662f\u5426\u4e00\u81f4\u3002\u5728\u6b64\u4e4b\u524d\u4ecd\u7136\u53ef\u4ee5" & _
    "\u4f7f\u7528\uff1a\u4e00\u3001\u6a21\u677f\u81ea\u5e26\u7684\u516c\u5f0f\u68c0\u67e5" & _
    "\uff08\u6267\u884c\u7387\u3001\u5f97\u5206\u3001\u603b\u5206\u3001\u7b49\u7ea7\u548c" & _
    "\u5fc5\u586b\u63d0\u793a\u4f1a\u81ea\u52a8\u663e\u793a\uff09\uff1b\u4e8c\u3001\u8bf7" & _
    "\u4fe1\u606f\u5316\u540c\u4e8b\u8fd0\u884c xltools check \u6587\u4ef6.xlsx --annotate " & _
    "\u6807\u6ce8\u7248.xlsx\uff0c\u751f\u6210\u5e26\u6807\u6ce8\u7684\u68c0\u67e5\u526f" & _
    "\u672c\uff1b\u4e09\u3001\u5728\u5185\u7f51\u68c0\u67e5\u9875\u9762\uff08xltools serve" & _
    "\uff09\u4e0a\u4f20\u672c\u6587\u4ef6\u68c0\u67e5\u3002"
Private Const MSG_PICK_FOLDER As String = "\u9009\u62e9\u8981\u6c47\u603b\u7684\u81ea\u8bc4\u8868\u6240\u5728\u6587\u4ef6\u5939"
Private Const MSG_TITLE As String = "\u671d\u9633\u533a\u9879\u76ee\u652f\u51fa\u7ee9\u6548\u81ea\u8bc4\u8868"

' The Check button (\u68c0\u67e5\u8bc4\u5206): validate and score this form (xltools.layout.CHECK_MACRO).
Public Sub CheckScores()
    If Not Ready() Then Exit Sub
    RunXltools "import xltools.addin; xltools.addin.check_scores_caller()"
End Sub

' The Combine entry (\u6c47\u603b): combine every form in a folder (xltools.layout.COMBINE_MACRO).
Public Sub CombineFolder()
    Dim folder As String
    If Not Ready() Then Exit Sub
    With Application.FileDialog(FOLDER_PICKER)
        .Title = U(MSG_PICK_FOLDER)
        .AllowMultiSelect = False
        If .Show <> -1 Then Exit Sub
        folder = .SelectedItems(1)
    End With
    RunXltools "import xltools.addin; xltools.addin.combine_folder_caller(" & PyString(folder) & ")"
End Sub

' Microsoft Excel with the xlwings add-in open; otherwise say why not and what works instead.
Private Function Ready() As Boolean
    If Not IsMicrosoftExcel() Then
        Tell MSG_WPS, vbExclamation
    ElseIf Not AddinOpen() Then
        Tell MSG_NO_ADDIN, vbExclamation
    Else
        Ready = True
    End If
End Function

Private Function IsMicrosoftExcel() As Boolean
    Dim appPath As String
    On Error Resume Next
    appPath = LCase$(Application.Path)
    On Error GoTo 0
    IsMicrosoftExcel = (Application.Name = "Microsoft Excel") And InStr(appPath, "kingsoft") = 0 _
        And InStr(appPath, "wps") = 0
End Function

' An add-in loaded from XLSTART is not listed in Workbooks but can be looked up by its name.
Private Function AddinOpen() As Boolean
    Dim book As Object
    On Error Resume Next
    Set book = Application.Workbooks(ADDIN_NAME)
    On Error GoTo 0
    AddinOpen = Not book Is Nothing
End Function

Private Sub RunXltools(ByVal command As String)
    Dim result As Variant
    On Error GoTo Blocked
    result = Application.Run(RUN_PYTHON, command)
    On Error GoTo 0
    If IsError(result) Then
        Tell MSG_FAILED, vbExclamation
    ElseIf IsNumeric(result) Then
        If CDbl(result) = -1 Then Tell MSG_FAILED, vbExclamation
    End If
    Exit Sub
Blocked:
    MsgBox U(MSG_BLOCKED) & vbCrLf & vbCrLf & Err.Description, vbCritical, U(MSG_TITLE)
End Sub

Private Sub Tell(ByVal message As String, ByVal icon As Long)
    MsgBox U(message), icon, U(MSG_TITLE)
End Sub

' A Python string literal of any text, in ASCII (\uXXXX escapes), safe for paths with quotes.
Private Function PyString(ByVal text As String) As String
    Dim i As Long
    PyString = "'"
    For i = 1 To Len(text)
        PyString = PyString & "\u" & Right$("000" & Hex$(AscW(Mid$(text, i, 1)) And &HFFFF&), 4)
    Next i
    PyString = PyString & "'"
End Function

' Decodes the \uXXXX escapes of an ASCII string.
Private Function U(ByVal text As String) As String
    Dim i As Long
    i = 1
    Do While i <= Len(text)
        If Mid$(text, i, 2) = "\u" Then
            U = U & ChrW(CLng("&H" & Mid$(text, i + 2, 4)))
            i = i + 6
        Else
            U = U & Mid$(text, i, 1)
            i = i + 1
        End If
    Loop
End Function
