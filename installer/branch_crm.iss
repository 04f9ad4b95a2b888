; Inno Setup script: packs dist\BranchCRM (built by PyInstaller) into BranchCRM-Setup.exe.
; Build on Windows:  iscc installer\branch_crm.iss
#define AppVersion "0.1.0"

[Setup]
AppId={{6E0C2D3A-6A53-4C43-9C1F-4B7E3B1F2C10}
AppName=Branch CRM
AppVersion={#AppVersion}
AppPublisher=Branch CRM
DefaultDirName={autopf}\BranchCRM
DefaultGroupName=Branch CRM
OutputBaseFilename=BranchCRM-Setup-{#AppVersion}
Compression=lzma2
SolidCompression=yes
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesInstallIn64BitMode=x64compatible

[Languages]
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[Files]
Source: "..\dist\BranchCRM\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Branch CRM"; Filename: "{app}\BranchCRM.exe"
Name: "{group}\Branch CRM (courier mode)"; Filename: "{app}\BranchCRM.exe"; Parameters: "--courier"
Name: "{autodesktop}\Branch CRM"; Filename: "{app}\BranchCRM.exe"

[Run]
Filename: "{app}\BranchCRM.exe"; Description: "Start Branch CRM"; Flags: nowait postinstall skipifsilent

; The database lives in %LOCALAPPDATA%\BranchCRM (never in {app}), so upgrades and
; uninstalls keep it; the app backs it up before every schema migration.
