//+------------------------------------------------------------------+
//|                                                MikrobotGuard.mq5 |
//|   Keeps the account inside the prop firm's loss rules: feeds     |
//|   mikrobot.dll every tick and deal, obeys its verdict and        |
//|   delivers its alerts.                                           |
//+------------------------------------------------------------------+
#property copyright   "mikrobot"
#property version     "0.10"
#property description "Prop-firm loss-rule guard over mikrobot.dll"

#include <Trade\Trade.mqh>
#include <Mikrobot\Mikrobot.mqh>

//--- rule set
input group           "Rule set"
input string          InpPreset="ftmo-2step";          // Rule set preset (ftmo-2step, ftmo-1step)
input double          InpInitialCapital=100000.0;      // Initial capital of the account
input double          InpDailyLossPercent=5.0;         // Daily loss limit, % of initial capital
input double          InpMaxLossPercent=10.0;          // Maximum loss limit, % of initial capital
input double          InpBufferPercent=0.5;            // Safety buffer above each floor, %
input double          InpWarningShare=0.8;             // Warn at this share of a limit used
input double          InpRiskPerTradePercent=0.55;     // Risk per trade, % of balance
input double          InpMaxRiskPercent=2.0;           // Hard cap of risk per trade, % of balance
input int             InpMaxPositions=5;               // Maximum open positions
input bool            InpStopLossRequired=false;       // Reject orders without a stop loss
input string          InpServerClock="ny+7";           // Server clock: ny+7 or an IANA zone
//--- alerts
input group           "Alerts"
input bool            InpAlertOnScreen=true;           // Deliver screen alerts with Alert()
input bool            InpPush=true;                    // Deliver push notifications
input bool            InpMail=false;                   // Deliver e-mail (set up under Options)
input bool            InpWebhook=true;                 // POST webhooks (allow the URLs in Options)
input string          InpSmsGatewayUrl="";             // SMS gateway URL for POSTs; empty: no SMS
input string          InpExtraConfig="Mikrobot\\mikrobot.toml"; // Extra TOML in MQL5\Files
input string          InpOperator="operator";          // Name recorded when A acknowledges
//--- EA
input group           "Expert"
input long            InpMagic=0;                      // Magic number of this EA's own orders
input int             InpTimerSeconds=1;               // Timer period, seconds
//--- push limits of MT5: at most 2 a second and 10 a minute
#define PUSH_PER_SECOND     2
#define PUSH_PER_MINUTE     10
#define EVENTS_PER_TIMER    32
#define ITEMS_PER_TIMER     16
#define HTTP_TIMEOUT_MS     5000

CMikrobot ExtGuard;
CTrade    ExtTrade;
ulong     ExtPushTimes[];         // GetTickCount64() of the pushes sent in the last minute
ulong     ExtLastAlertId=0;       // alert of the last screen item, acknowledged with key A
ulong     ExtSentOrder=0;         // order of the last request this EA sent
ulong     ExtSentMicros=0;        // GetMicrosecondCount() when it was sent
ulong     ExtLastCloseTick=0;     // GetTickCount64() of the last close-all pass
//+------------------------------------------------------------------+
//| Server time in milliseconds, the clock every mikrobot time uses. |
//+------------------------------------------------------------------+
long ServerMs(void)
  {
   return((long)TimeTradeServer()*1000);
  }
//+------------------------------------------------------------------+
//| The configuration document built from the inputs.                |
//+------------------------------------------------------------------+
string BuildConfig(void)
  {
   string toml="schema_version = 1\n";
   toml+="[server]\nclock = \""+InpServerClock+"\"\n";
   toml+="[rules]\npreset = \""+InpPreset+"\"\n";
   toml+="initial_capital = "+DoubleToString(InpInitialCapital,2)+"\n";
   toml+="[rules.daily_loss.amount]\npercent_of_initial = "+
         DoubleToString(InpDailyLossPercent,4)+"\n";
   toml+="[rules.max_loss.amount]\npercent_of_initial = "+DoubleToString(InpMaxLossPercent,4)+"\n";
   toml+="[rules.risk]\nrisk_per_trade_percent = "+DoubleToString(InpRiskPerTradePercent,4)+"\n";
   toml+="max_risk_per_trade_percent = "+DoubleToString(InpMaxRiskPercent,4)+"\n";
   toml+="max_open_positions = "+IntegerToString(InpMaxPositions)+"\n";
   toml+="stop_loss_required = "+(InpStopLossRequired ? "true" : "false")+"\n";
   toml+="[rules.safety]\nbuffer_percent = "+DoubleToString(InpBufferPercent,4)+"\n";
   toml+="warning_share = "+DoubleToString(InpWarningShare,4)+"\n";
   return(toml+ExtraConfig());
  }
//+------------------------------------------------------------------+
//| The optional extra TOML file (contacts, alerts, health), read    |
//| from MQL5\Files; empty when it does not exist.                   |
//+------------------------------------------------------------------+
string ExtraConfig(void)
  {
   if(InpExtraConfig=="" || !FileIsExist(InpExtraConfig))
      return("");
   int file=FileOpen(InpExtraConfig,FILE_READ|FILE_TXT|FILE_ANSI|FILE_SHARE_READ,0,CP_UTF8);
   if(file==INVALID_HANDLE)
     {
      Print("mikrobot: cannot read ",InpExtraConfig,", error ",GetLastError());
      return("");
     }
   string text="\n";
   while(!FileIsEnding(file))
      text+=FileReadString(file)+"\n";
   FileClose(file);
   return(text);
  }
//+------------------------------------------------------------------+
//| One state directory per account, under MQL5\Files.               |
//+------------------------------------------------------------------+
string StateDirectory(void)
  {
   return(TerminalInfoString(TERMINAL_DATA_PATH)+"\\MQL5\\Files\\Mikrobot\\"+
          IntegerToString(AccountInfoInteger(ACCOUNT_LOGIN)));
  }
//+------------------------------------------------------------------+
//| Copies one history deal into the shared struct and its texts.    |
//+------------------------------------------------------------------+
void FillDeal(const ulong ticket,MbDeal &deal,string &symbol,string &comment)
  {
   ZeroMemory(deal);
   deal.time_ms=HistoryDealGetInteger(ticket,DEAL_TIME_MSC);
   deal.ticket=ticket;
   deal.position_id=(ulong)HistoryDealGetInteger(ticket,DEAL_POSITION_ID);
   deal.order=(ulong)HistoryDealGetInteger(ticket,DEAL_ORDER);
   deal.magic=HistoryDealGetInteger(ticket,DEAL_MAGIC);
   deal.volume=HistoryDealGetDouble(ticket,DEAL_VOLUME);
   deal.price=HistoryDealGetDouble(ticket,DEAL_PRICE);
   deal.profit=HistoryDealGetDouble(ticket,DEAL_PROFIT);
   deal.commission=HistoryDealGetDouble(ticket,DEAL_COMMISSION);
   deal.swap=HistoryDealGetDouble(ticket,DEAL_SWAP);
   deal.fee=HistoryDealGetDouble(ticket,DEAL_FEE);
   deal.deal_type=(int)HistoryDealGetInteger(ticket,DEAL_TYPE);
   deal.entry=(int)HistoryDealGetInteger(ticket,DEAL_ENTRY);
   symbol=HistoryDealGetString(ticket,DEAL_SYMBOL);
   comment=HistoryDealGetString(ticket,DEAL_COMMENT);
  }
//+------------------------------------------------------------------+
//| Gives the whole deal history to the guard, which rebuilds the    |
//| day-start balance from it.                                       |
//+------------------------------------------------------------------+
bool LoadHistory(void)
  {
   if(!HistorySelect(0,TimeTradeServer()+86400))
     {
      Print("mikrobot: HistorySelect failed, error ",GetLastError());
      return(false);
     }
   int total=HistoryDealsTotal();
   long first_ms=ServerMs();
   long opened_ms=0;
   for(int i=0; i<total; i++)
     {
      ulong ticket=HistoryDealGetTicket(i);
      long time_ms=HistoryDealGetInteger(ticket,DEAL_TIME_MSC);
      first_ms=MathMin(first_ms,time_ms);
      if(opened_ms==0 && HistoryDealGetInteger(ticket,DEAL_TYPE)==DEAL_TYPE_BALANCE)
         opened_ms=time_ms;
     }
   if(!ExtGuard.BeginHistory(first_ms,opened_ms))
      return(false);
   for(int i=0; i<total; i++)
     {
      MbDeal deal;
      string symbol,comment;
      FillDeal(HistoryDealGetTicket(i),deal,symbol,comment);
      if(!ExtGuard.AddHistoryDeal(deal,symbol,comment) &&
         ExtGuard.LastStatus()!=MB_STATUS_NOT_FINITE)
         return(false);
     }
   return(ExtGuard.EndHistory(ServerMs(),AccountInfoDouble(ACCOUNT_BALANCE),
                              AccountInfoDouble(ACCOUNT_EQUITY),PositionsTotal()));
  }
//+------------------------------------------------------------------+
//| Remembers the order of the request just sent, for its latency.  |
//+------------------------------------------------------------------+
void MarkSent(void)
  {
   ExtSentOrder=ExtTrade.ResultOrder();
  }
//+------------------------------------------------------------------+
//| Closes every position and deletes every pending order, at most   |
//| once a second while the verdict says close all.                  |
//+------------------------------------------------------------------+
void CloseEverything(void)
  {
   if(GetTickCount64()-ExtLastCloseTick<1000)
      return;
   ExtLastCloseTick=GetTickCount64();
   for(int i=PositionsTotal()-1; i>=0; i--)
     {
      ulong ticket=PositionGetTicket(i);
      ExtSentMicros=GetMicrosecondCount();
      if(!ExtTrade.PositionClose(ticket))
         Print("mikrobot: closing position ",ticket," failed: ",ExtTrade.ResultRetcode());
      MarkSent();
     }
   for(int i=OrdersTotal()-1; i>=0; i--)
     {
      ulong ticket=OrderGetTicket(i);
      ExtSentMicros=GetMicrosecondCount();
      if(!ExtTrade.OrderDelete(ticket))
         Print("mikrobot: deleting order ",ticket," failed: ",ExtTrade.ResultRetcode());
      MarkSent();
     }
  }
//+------------------------------------------------------------------+
//| Obeys the current verdict.                                       |
//+------------------------------------------------------------------+
void ObeyVerdict(void)
  {
   if(ExtGuard.Verdict()==MB_VERDICT_CLOSE_ALL)
      CloseEverything();
  }
//+------------------------------------------------------------------+
//| Opens a position for this EA's own strategy code, only when the  |
//| verdict and the pre-trade check allow it. Returns false when the |
//| order is rejected.                                               |
//+------------------------------------------------------------------+
bool OpenGuarded(const string symbol,const ENUM_ORDER_TYPE type,const double volume,
                 const double stop_loss,const double take_profit)
  {
   if(ExtGuard.Verdict()!=MB_VERDICT_MAY_TRADE)
     {
      Print("mikrobot: order rejected: ",ExtGuard.ReasonText(ExtGuard.Reason()));
      return(false);
     }
   MbOrderIntent intent;
   ZeroMemory(intent);
   intent.time_ms=ServerMs();
   intent.volume=volume;
   intent.entry_price=SymbolInfoDouble(symbol,type==ORDER_TYPE_BUY ? SYMBOL_ASK : SYMBOL_BID);
   intent.stop_loss=stop_loss;
   intent.tick_size=SymbolInfoDouble(symbol,SYMBOL_TRADE_TICK_SIZE);
   intent.tick_value=SymbolInfoDouble(symbol,SYMBOL_TRADE_TICK_VALUE);
   intent.side=(type==ORDER_TYPE_BUY ? 0 : 1);
   MbPreTrade check;
   if(!ExtGuard.CheckOrder(intent,symbol,check) || check.allowed!=1)
     {
      Print("mikrobot: order rejected: ",ExtGuard.ReasonText(check.reason),
            " (largest volume ",DoubleToString(check.max_volume,2),")");
      return(false);
     }
   ExtSentMicros=GetMicrosecondCount();
   bool sent=ExtTrade.PositionOpen(symbol,type,volume,intent.entry_price,stop_loss,take_profit);
   MarkSent();
   return(sent);
  }
//+------------------------------------------------------------------+
//| Whether a push fits MT5's limits now (2 a second, 10 a minute).  |
//+------------------------------------------------------------------+
bool PushAllowed(void)
  {
   ulong now=GetTickCount64();
   int last_second=0,kept=0;
   for(int i=0; i<ArraySize(ExtPushTimes); i++)
     {
      if(now-ExtPushTimes[i]>=60000)
         continue;
      ExtPushTimes[kept++]=ExtPushTimes[i];
      if(now-ExtPushTimes[i]<1000)
         last_second++;
     }
   ArrayResize(ExtPushTimes,kept);
   return(last_second<PUSH_PER_SECOND && kept<PUSH_PER_MINUTE);
  }
//+------------------------------------------------------------------+
//| Sends one push and records its time for the limits.              |
//+------------------------------------------------------------------+
bool SendPush(const string text)
  {
   int size=ArraySize(ExtPushTimes);
   ArrayResize(ExtPushTimes,size+1);
   ExtPushTimes[size]=GetTickCount64();
   if(SendNotification(text))
      return(true);
   Print("mikrobot: SendNotification failed, error ",GetLastError());
   return(false);
  }
//+------------------------------------------------------------------+
//| The channels this EA delivers now, as the outbox mask. Push is   |
//| left out while MT5's push limits would reject one.               |
//+------------------------------------------------------------------+
uint DeliveryChannels(void)
  {
   uint mask=0;
   if(InpAlertOnScreen)
      mask|=(1<<MB_CHANNEL_SCREEN);
   if(InpPush && PushAllowed())
      mask|=(1<<MB_CHANNEL_PUSH);
   if(InpMail)
      mask|=(1<<MB_CHANNEL_EMAIL);
   if(InpSmsGatewayUrl!="")
      mask|=(1<<MB_CHANNEL_SMS);
   if(InpWebhook)
      mask|=(1<<MB_CHANNEL_WEBHOOK);
   return(mask);
  }
//+------------------------------------------------------------------+
//| Escapes text for a JSON string.                                  |
//+------------------------------------------------------------------+
string JsonEscape(const string text)
  {
   string out=text;
   StringReplace(out,"\\","\\\\");
   StringReplace(out,"\"","\\\"");
   StringReplace(out,"\n","\\n");
   StringReplace(out,"\r","\\r");
   StringReplace(out,"\t","\\t");
   return(out);
  }
//+------------------------------------------------------------------+
//| POSTs a JSON body; true on a 2xx answer.                         |
//+------------------------------------------------------------------+
bool PostJson(const string url,const string json)
  {
   char data[],reply[];
   string reply_headers;
   StringToCharArray(json,data,0,StringLen(json),CP_UTF8);
   ResetLastError();
   int code=WebRequest("POST",url,"Content-Type: application/json\r\n",HTTP_TIMEOUT_MS,data,
                       reply,reply_headers);
   if(code>=200 && code<300)
      return(true);
   Print("mikrobot: POST to ",url," failed with ",code,", error ",GetLastError());
   return(false);
  }
//+------------------------------------------------------------------+
//| POSTs to every recipient line: the webhook's JSON to each URL,   |
//| or an SMS for each number to the gateway. True when all worked.  |
//+------------------------------------------------------------------+
bool PostToRecipients(const int channel,const string recipients,const string text)
  {
   string lines[];
   int count=StringSplit(recipients,'\n',lines);
   if(count<=0)
     {
      Print("mikrobot: an outbox item for channel ",channel," has no recipients");
      return(false);
     }
   bool all=true;
   for(int i=0; i<count; i++)
     {
      //--- NOTE: the SMS body {"to","text"} fits gateways that take JSON; others need a relay
      if(channel==MB_CHANNEL_SMS)
         all=PostJson(InpSmsGatewayUrl,"{\"to\":\""+JsonEscape(lines[i])+"\",\"text\":\""+
                      JsonEscape(text)+"\"}") && all;
      else
         all=PostJson(lines[i],text) && all;
     }
   return(all);
  }
//+------------------------------------------------------------------+
//| Delivers one outbox item on its channel; true when delivered.    |
//+------------------------------------------------------------------+
bool DeliverItem(const MbOutboxItem &item)
  {
   string subject,text,recipients;
   if(!ExtGuard.OutboxText(item.id,MB_OUTBOX_SUBJECT,subject) ||
      !ExtGuard.OutboxText(item.id,MB_OUTBOX_TEXT,text) ||
      !ExtGuard.OutboxText(item.id,MB_OUTBOX_RECIPIENTS,recipients))
     {
      Print("mikrobot: ",ExtGuard.LastError());
      return(false);
     }
   switch(item.channel)
     {
      case MB_CHANNEL_SCREEN:
         Alert(subject,": ",text," (press A on the chart to acknowledge)");
         ExtLastAlertId=item.alert_id;
         return(true);
      case MB_CHANNEL_PUSH:
         return(SendPush(text));
      case MB_CHANNEL_EMAIL:
         //--- NOTE: SendMail sends to the address under Options, not to the item's recipients
         if(SendMail(subject,text))
            return(true);
         Print("mikrobot: SendMail failed, error ",GetLastError());
         return(false);
      case MB_CHANNEL_SMS:
      case MB_CHANNEL_WEBHOOK:
         return(PostToRecipients(item.channel,recipients,text));
     }
   Print("mikrobot: outbox item ",item.id," has unknown channel ",item.channel);
   return(false);
  }
//+------------------------------------------------------------------+
//| Polls the outbox item by item, delivers each one and reports the |
//| result, so a failed item is retried with backoff.                |
//+------------------------------------------------------------------+
void DeliverOutbox(void)
  {
   for(int i=0; i<ITEMS_PER_TIMER; i++)
     {
      uint channels=DeliveryChannels();
      if(channels==0)
         return;
      MbOutboxItem item;
      if(!ExtGuard.PollOutbox(ServerMs(),channels,item))
        {
         if(ExtGuard.LastStatus()!=MB_STATUS_OK)
            Print("mikrobot: ",ExtGuard.LastError());
         return;
        }
      bool delivered=DeliverItem(item);
      int outcome=MB_DELIVERY_DELIVERED;
      long retry_at_ms=0;
      if(!ExtGuard.AckOutbox(item.id,delivered,ServerMs(),outcome,retry_at_ms))
         Print("mikrobot: ",ExtGuard.LastError());
      else
         if(outcome==MB_DELIVERY_GIVEN_UP)
            Print("mikrobot: outbox item ",item.id," given up after ",item.attempts+1,
                  " failed deliveries");
     }
  }
//+------------------------------------------------------------------+
//| Opens the guard and loads the history.                           |
//+------------------------------------------------------------------+
int OnInit(void)
  {
   if(!TerminalInfoInteger(TERMINAL_DLLS_ALLOWED) || !MQLInfoInteger(MQL_DLLS_ALLOWED))
     {
      Print("mikrobot: DLL imports are not allowed; tick \"Allow DLL imports\" and attach again");
      return(INIT_FAILED);
     }
   if(!ExtGuard.Open(BuildConfig(),StateDirectory()))
     {
      Print("mikrobot: cannot start: ",ExtGuard.LastError());
      return(INIT_FAILED);
     }
   if(!LoadHistory())
     {
      Print("mikrobot: loading the deal history failed: ",ExtGuard.LastError());
      return(INIT_FAILED);
     }
   ExtTrade.SetExpertMagicNumber((ulong)InpMagic);
   EventSetTimer(MathMax(1,InpTimerSeconds));
   Print("mikrobot: guard open, verdict ",ExtGuard.Verdict(),": ",
         ExtGuard.ReasonText(ExtGuard.Reason()));
   return(INIT_SUCCEEDED);
  }
//+------------------------------------------------------------------+
//| Stops the timer, logs the execution latency and releases the     |
//| handle.                                                          |
//+------------------------------------------------------------------+
void OnDeinit(const int reason)
  {
   EventKillTimer();
   MbLatencySummary cumulative,window;
   if(ExtGuard.LatencySummary(MB_STAGE_EXECUTION,ServerMs(),cumulative,window) &&
      cumulative.count>0)
      Print("mikrobot: execution latency over ",cumulative.count," orders: p50 ",
            cumulative.p50_us," us, p99 ",cumulative.p99_us," us, max ",cumulative.max_us,
            " us, ",DoubleToString(cumulative.under_target_share*100.0,1),"% within ",
            cumulative.target_us/1000," ms");
   ExtGuard.Close();
  }
//+------------------------------------------------------------------+
//| Feeds the account snapshot and obeys the verdict.                |
//+------------------------------------------------------------------+
void OnTick(void)
  {
   MbSnapshot snapshot;
   ZeroMemory(snapshot);
   snapshot.time_ms=ServerMs();
   snapshot.balance=AccountInfoDouble(ACCOUNT_BALANCE);
   snapshot.equity=AccountInfoDouble(ACCOUNT_EQUITY);
   snapshot.margin=AccountInfoDouble(ACCOUNT_MARGIN);
   snapshot.free_margin=AccountInfoDouble(ACCOUNT_MARGIN_FREE);
   snapshot.connected=(TerminalInfoInteger(TERMINAL_CONNECTED) ? 1 : 0);
   snapshot.open_positions=PositionsTotal();
   snapshot.pending_orders=OrdersTotal();
   if(!ExtGuard.FeedSnapshot(snapshot) && ExtGuard.LastStatus()!=MB_STATUS_NOT_FINITE)
      Print("mikrobot: ",ExtGuard.LastError());
   ObeyVerdict();
  }
//+------------------------------------------------------------------+
//| Feeds every new deal, and measures this EA's execution latency.  |
//+------------------------------------------------------------------+
void OnTradeTransaction(const MqlTradeTransaction &trans,const MqlTradeRequest &request,
                        const MqlTradeResult &result)
  {
   if(trans.type!=TRADE_TRANSACTION_DEAL_ADD || !HistoryDealSelect(trans.deal))
      return;
   if(ExtSentOrder!=0 && trans.order==ExtSentOrder)
     {
      ulong latency_us=GetMicrosecondCount()-ExtSentMicros;
      if(!ExtGuard.RecordLatency(MB_STAGE_EXECUTION,(double)latency_us,ServerMs()))
         Print("mikrobot: ",ExtGuard.LastError());
      ExtSentOrder=0;
     }
   MbDeal deal;
   string symbol,comment;
   FillDeal(trans.deal,deal,symbol,comment);
   if(!ExtGuard.FeedDeal(deal,symbol,comment) && ExtGuard.LastStatus()!=MB_STATUS_NOT_FINITE)
      Print("mikrobot: ",ExtGuard.LastError());
   ObeyVerdict();
  }
//+------------------------------------------------------------------+
//| Advances the guard's clock without ticks, logs the events and    |
//| delivers the outbox.                                             |
//+------------------------------------------------------------------+
void OnTimer(void)
  {
   if(!ExtGuard.FeedTime(ServerMs()))
      Print("mikrobot: ",ExtGuard.LastError());
   ObeyVerdict();
   MbEvent event;
   string message;
   for(int i=0; i<EVENTS_PER_TIMER && ExtGuard.PollEvent(event,message); i++)
      Print("mikrobot ",AccountInfoInteger(ACCOUNT_LOGIN),": ",message);
   DeliverOutbox();
  }
//+------------------------------------------------------------------+
//| Key A on the chart acknowledges the alert of the last screen     |
//| item, which stops its escalation.                                |
//+------------------------------------------------------------------+
void OnChartEvent(const int id,const long &lparam,const double &dparam,const string &sparam)
  {
   if(id!=CHARTEVENT_KEYDOWN || lparam!='A' || ExtLastAlertId==0)
      return;
   if(ExtGuard.AcknowledgeAlert(ExtLastAlertId,InpOperator,ServerMs()))
      Print("mikrobot: alert ",ExtLastAlertId," acknowledged by ",InpOperator);
   else
      Print("mikrobot: ",ExtGuard.LastError());
   ExtLastAlertId=0;
  }
//+------------------------------------------------------------------+
