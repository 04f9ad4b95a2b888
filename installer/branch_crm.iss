; Inno Setup script of the Branch CRM installer: packs dist\BranchCRM (installer/branch_crm.spec)
; into installer\Output\BranchCRM-Setup-<version>.exe. Needs Inno Setup 6.5 or later (7 too).
; Build:  python installer\build.py --installer
;   (runs  iscc /DAppVersion=<branch_crm.__version__> /DFileVersion=<a.b.c.0>
;              /DBundleDir=<dist\BranchCRM> installer\branch_crm.iss)
; IT (silent install, presets, upgrade, uninstall): installer/README.md and the README's
; "Installing on branch PCs" section. Review checklist: installer/README.md.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=... (installer\build.py reads branch_crm.__version__)
#endif
#ifndef FileVersion
  #define FileVersion "0.0.0.0"
#endif
#ifndef BundleDir
  #define BundleDir "..\dist\BranchCRM"
#endif
#define AppGuid "6E0C2D3A-6A53-4C43-9C1F-4B7E3B1F2C10"

[Setup]
AppId={{{#AppGuid}}
AppName=Branch CRM
AppVersion={#AppVersion}
AppVerName=Branch CRM {#AppVersion}
AppPublisher=Branch CRM
VersionInfoVersion={#FileVersion}
VersionInfoProductVersion={#FileVersion}
VersionInfoProductTextVersion={#AppVersion}
; Windows 10 or later, 64-bit (x64, or Arm64 running x64 programs) only
MinVersion=10.0
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; per-user by default (no administrator needed: %LOCALAPPDATA%\Programs\BranchCRM); the
; dialog, or /ALLUSERS on the command line, installs for all users (C:\Program Files\BranchCRM)
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
DefaultDirName={autopf}\BranchCRM
DefaultGroupName=Branch CRM
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
UsePreviousTasks=yes
; a running Branch CRM is closed (Restart Manager) before its files are replaced
CloseApplications=yes
RestartApplications=no
SetupIconFile=..\src\branch_crm\resources\icons\app.ico
UninstallDisplayIcon={app}\BranchCRM.exe
UninstallDisplayName=Branch CRM
OutputDir=Output
OutputBaseFilename=BranchCRM-Setup-{#AppVersion}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
SetupLogging=yes
ShowLanguageDialog=auto

[Languages]
; The names are the app's language codes: /LANG=zh_CN or /LANG=en picks Setup's language and
; is written to branch-crm.ini as the app's language for new databases (see [INI]).
; ChineseSimplified.isl ships beside this script (from jrsoftware/issrc, Files/Languages;
; some Inno Setup releases lack it).
Name: "zh_CN"; MessagesFile: "ChineseSimplified.isl"
Name: "en"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; Upgrades replace the program files: remove the previous version's libraries first, so no
; stale module of an older release is loaded. The data is not here (per-user data folder).
Type: filesandordirs; Name: "{app}\_internal"
; files of an older layout (everything beside the programs, before the _internal folder)
Type: files; Name: "{app}\*.dll"
Type: files; Name: "{app}\*.pyd"
Type: files; Name: "{app}\base_library.zip"
Type: filesandordirs; Name: "{app}\PySide6"
Type: filesandordirs; Name: "{app}\shiboken6"
Type: filesandordirs; Name: "{app}\branch_crm"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[INI]
; Presets for a new database (the app reads them: src/branch_crm/install_defaults.py); a value
; saved in the database always wins. /HQURL=https://hq.example.com on Setup's command line.
Filename: "{app}\branch-crm.ini"; Section: "settings"; Key: "language"; String: "{language}"; Flags: uninsdeletesection
Filename: "{app}\branch-crm.ini"; Section: "settings"; Key: "hq.url"; String: "{param:HQURL}"; Check: HasParam('HQURL'); Flags: uninsdeletesection

[UninstallDelete]
Type: files; Name: "{app}\branch-crm.ini"

[Icons]
Name: "{group}\Branch CRM"; Filename: "{app}\BranchCRM.exe"
Name: "{group}\Branch CRM (courier mode)"; Filename: "{app}\BranchCRM.exe"; Parameters: "--courier"
Name: "{group}\Third-party notices"; Filename: "{app}\THIRD-PARTY-NOTICES.txt"
Name: "{autodesktop}\Branch CRM"; Filename: "{app}\BranchCRM.exe"; Tasks: desktopicon

[Run]
; Upgrade in place: back up the database of the user who started Setup and bring it to the
; new schema (opening it migrates it, after the app's own pre-migration copy; then the backup
; is taken). Hidden; on a first install there is no database yet and this does nothing.
Filename: "{app}\branch-crm-cli.exe"; Parameters: "backup"; StatusMsg: "{cm:BackupStatus}"; Flags: runhidden runasoriginaluser waituntilterminated
Filename: "{app}\BranchCRM.exe"; Description: "{cm:LaunchProgram,Branch CRM}"; Flags: nowait postinstall skipifsilent runasoriginaluser

[CustomMessages]
zh_CN.BackupStatus=正在备份并升级数据库…
en.BackupStatus=Backing up and upgrading the database...

[Code]
function HasParam(Name: String): Boolean;
begin
  Result := ExpandConstant('{param:' + Name + '}') <> '';
end;
